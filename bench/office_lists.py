"""Office list pages at 10,000 facilities and 5,000 applications, timed in process.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/acc_lists_bench .venv/bin/python bench/office_lists.py [REQUESTS] [--reuse] [--profile=URL-PART]
The database named by DATABASE_URL is dropped, created, migrated and seeded: give it a throwaway name.
With --reuse, the data seeded by an earlier run is measured again (after migrating). With --profile=/office/facilities
(any part of the URLs), pyinstrument shows where those pages spend their time instead of timing them.
Prints median, p95 and queries per request for each page, the machine and date, and EXPLAIN ANALYZE of
each page's slowest queries; appends the table to bench/RESULTS.md.
"""
import cProfile
import datetime
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accreditation.settings")
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from benchdb import load_average, machine, recreate_database, timed_gets  # noqa: E402
from seed import APPLICATIONS, FACILITIES, seed  # noqa: E402

PAGES = [
    ("office start page", "office", "/office/"),
    ("facility list", "office", "/office/facilities/"),
    ("facility list, page 100", "office", "/office/facilities/?page=100"),
    ("facility search", "office", "/office/facilities/?q=vienna"),
    ("facility search, name", "office", "/office/facilities/?q=Centre+4321"),
    ("assessment list", "office", "/office/assessments/"),
    ("assessments, one status", "office", "/office/assessments/?status=clarification_requested"),
    ("invoices", "office", "/office/invoices/"),
    ("invoices, outstanding", "office", "/office/invoices/?open=1"),
    ("messages", "office", "/office/messages/"),
    ("documents", "office", "/office/documents/"),
    ("assessor queue", "assessor", "/assessor/"),
    ("office reports", "office", "/office/reports/"),
]


def python_calls(client, url):
    """Python function calls of one request: unlike its time, the same on a busy machine as on an idle one."""
    profile = cProfile.Profile()
    profile.runcall(client.get, url)
    return pstats.Stats(profile).total_calls


def profile(users, url_part):
    """pyinstrument's tree of 20 requests of each page whose URL contains ``url_part``: where the time goes."""
    from pyinstrument import Profiler

    for label, role, url in PAGES:
        if url_part not in url:
            continue
        client = Client()
        client.force_login(users[role])
        client.get(url)
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(20):
                client.get(url)
        print(f"## {label}\n{profiler.output_text(unicode=True, color=False)}")


def explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}", params)
        return "\n".join(f"    {row[0]}" for row in cursor.fetchall())


def measure(users, requests):
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    rows, plans = [], []
    for label, role, url in PAGES:
        client = clients[role]
        captured = []

        def record(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append({"sql": sql, "params": params, "time": time.perf_counter() - started})

        with connection.execute_wrapper(record):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        rows.append((label, url, *timed_gets(client, url, requests), python_calls(client, url), len(captured), len(response.content) // 1024, requests))
        # The slowest queries of the page (leaving out the session and the signed-in user).
        queries = [q for q in captured if q["sql"].startswith("SELECT") and "django_session" not in q["sql"]]
        for query in sorted(queries, key=lambda q: q["time"], reverse=True)[:3]:
            plans.append((label, query["sql"], query["params"]))
    return rows, plans


def main(requests, reuse, profile_part=None):
    from facilities.models import User

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    if reuse:
        call_command("migrate", verbosity=0)
        office, assessor = User.objects.get(email="office@bench.example"), User.objects.get(email="assessor@bench.example")
    else:
        recreate_database()
        started = time.perf_counter()
        office, assessor, *_ = seed()
        print(f"seeded {FACILITIES} facilities and {APPLICATIONS} applications in {time.perf_counter() - started:.0f} s")
    if profile_part is not None:
        return profile({"office": office, "assessor": assessor}, profile_part)
    load_before = load_average()
    rows, plans = measure({"office": office, "assessor": assessor}, requests)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    table = [
        f"### Office lists, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"{FACILITIES} facilities, {APPLICATIONS} applications; {machine()}; in process (django.test.Client).",
        "",
        f"Load average (1, 5, 15 min) at the start {load_before}, at the end {load_average()}: the machine is shared.",
        "Python CPU ms is this process's CPU time per request (median): it leaves out waiting for PostgreSQL and",
        "for the other processes on the machine. Python calls (function calls of one request, counted by cProfile)",
        "do not depend on the machine's load: they compare commits where the times cannot.",
        "",
        "| page | URL | median ms | p95 ms | Python CPU ms | Python calls | queries | KiB | requests |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {label} | `{url}` | {median:.1f} | {p95:.1f} | {cpu:.1f} | {calls} | {queries} | {size} | {n} |"
          for label, url, median, p95, cpu, calls, queries, size, n in rows),
        "",
    ]
    print("\n".join(table))
    for label, sql, params in plans:
        print(f"\n## {label}\n  {sql}\n{explain(sql, params)}")
    with open(Path(__file__).parent / "RESULTS.md", "a") as results:
        results.write("\n".join(table) + "\n")


if __name__ == "__main__":
    options = {argument for argument in sys.argv[1:] if argument.startswith("--")}
    arguments = [argument for argument in sys.argv[1:] if argument not in options]
    profiled = next((option.split("=", 1)[1] for option in options if option.startswith("--profile=")), None)
    main(int(arguments[0]) if arguments else 200, reuse="--reuse" in options, profile_part=profiled)
