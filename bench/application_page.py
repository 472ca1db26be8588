"""Application page and autosave timings on PostgreSQL with N facilities holding full applications.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/accreditation .venv/bin/python bench/application_page.py [N ...]
Uses its own database (<name>_bench), recreated on every run. Prints a Markdown table: median and p95 ms, this process's CPU ms per request, queries.
"""
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/accreditation")
os.environ["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + base_url.rsplit("/", 1)[1] + "_bench"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accreditation.settings")
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchdb import percentile, recreate_database  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))
# The pages measured (label, URL); BENCH_PAGES="label=url,..." measures others, e.g. before the per-standard pages.
PAGES = [tuple(item.split("=", 1)) for item in os.environ.get(
    "BENCH_PAGES", "application (first standard)=/facility/application/,standard 7=/facility/application/standards/7/"
).split(",")]


def seed(count, start):
    from applications.models import Answer, Application, Programme, Question
    from facilities.models import Enrolment, Facility, Membership, User

    programme = Programme.objects.get(code="io")
    question_set = programme.current_question_set()
    questions = list(Question.objects.filter(standard__question_set=question_set))
    password = make_password("bench-password")
    for chunk_start in range(start, start + count, 500):
        chunk = range(chunk_start, min(chunk_start + 500, start + count))
        users = User.objects.bulk_create(
            User(email=f"{role}{n}@bench.example", password=password) for n in chunk for role in ("rep", "member")
        )
        facilities = Facility.objects.bulk_create(
            Facility(
                name=f"Bench facility {n}", institution="Bench hospital", address="1 Street",
                city="Vienna", country="AT", phone="1", service_line="IR", annual_procedures=200,
                authorised_representative=users[2 * i],
                deputy_representative=users[2 * i], main_account_holder=users[2 * i],
            )
            for i, n in enumerate(chunk)
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(facility=f, programme=programme, status=Enrolment.Status.ENROLLED) for f in facilities)
        Membership.objects.bulk_create(Membership(user=u, facility=facilities[i // 2]) for i, u in enumerate(users))
        pathway = programme.current_pathway()
        applications = Application.objects.bulk_create(
            Application(facility=f, enrolment=e, question_set=question_set, pathway=pathway)
            for f, e in zip(facilities, enrolments))
        Answer.objects.bulk_create(
            (
                Answer(application=a, question=q, choice="yes", evidence="Evidence " * 40, explanation="Because " * 20, version=1)
                for a in applications for q in questions
            ),
            batch_size=5000,
        )


def timed(client, method, url, data=None):
    """One request: wall ms, this process's CPU ms, its queries and the response."""
    with CaptureQueriesContext(connection) as captured:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, data, HTTP_HX_REQUEST="true") if data else client.get(url)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return wall, cpu, len(captured), response


def measure(total):
    from applications.models import Answer
    from facilities.models import User

    members = list(User.objects.filter(email__startswith="member").values_list("pk", flat=True))
    pages = {label: url for label, url in PAGES}
    results = {label: ([], [], []) for label in [*pages, "autosave"]}
    client = Client()
    for _ in range(REQUESTS):
        user = User.objects.get(pk=random.choice(members))
        client.force_login(user)
        for label, url in pages.items():
            wall, cpu, queries, response = timed(client, "get", url)
            assert response.status_code == 200, (url, response.status_code)
            for bucket, value in zip(results[label], (wall, cpu, queries)):
                bucket.append(value)
        answer = Answer.objects.filter(application__facility__memberships__user=user).order_by("?").first()
        data = {"choice": "no", "evidence": "Updated evidence", "explanation": "Updated", "version": answer.version}
        wall, cpu, queries, response = timed(client, "post", f"/facility/application/answers/{answer.question_id}/", data)
        assert response.status_code == 200, response.status_code
        for bucket, value in zip(results["autosave"], (wall, cpu, queries)):
            bucket.append(value)
    print(f"N={total}, load average {', '.join(f'{load:.1f}' for load in os.getloadavg())}")
    print("| request | median ms | p95 ms | Python CPU ms | queries | requests |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, (times, cpu_times, queries) in results.items():
        print(f"| {label} | {statistics.median(times) * 1000:.1f} | {percentile(times, 0.95) * 1000:.1f} | "
              f"{statistics.median(cpu_times) * 1000:.1f} | {max(queries)} | {len(times)} |")


def main(sizes):
    # No django.test instrumentation (it slows template rendering); just the test client's host and no e-mail.
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    recreate_database()
    seeded = 0
    for size in sizes:
        started = time.perf_counter()
        seed(size - seeded, seeded)
        seeded = size
        print(f"seeded {size} facilities with 52 answers each in {time.perf_counter() - started:.0f} s")
        measure(size)


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [100, 10_000])
