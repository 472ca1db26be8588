"""The portal under load: gunicorn with the production profile, driven by wrk, at 10,000 facilities.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/accreditation .venv/bin/python bench/load.py [--reuse]
(or `make bench-load`). The database is <that name>_load_bench: dropped, created, migrated and seeded (bench/seed.py)
on every run unless --reuse measures the data an earlier run seeded. With --profile, no server and no wrk:
each scenario's first request is profiled in this process (pyinstrument) into bench/profiles/<scenario>.txt.
BENCH_SECONDS (default 30) is each scenario's length: BENCH_SECONDS=2 is a quick smoke run. BENCH_CONNECTIONS
(default 20), BENCH_WORKERS and BENCH_THREADS (gunicorn's; default 3 and 2) change the set-up; BENCH_ONLY
(labels, comma-separated) runs only those scenarios.
CACHE_URL (default TEST_REDIS_URL, else Redis DB 0) is the Redis the server's cache uses.

People are signed in by sessions created here, as a sign-in would leave them: the facility staff's with their
password, the assessor's and the office's also with their second factor (allauth's record of the TOTP step).
Each scenario is first requested once over HTTP and once in this process: both must answer 200 with the
page itself (not a sign-in or second-factor redirect); in process, its queries are counted.
Prints a table of requests per second, latency percentiles, queries per request and non-2xx responses, and
appends it to bench/RESULTS.md.
"""
import datetime
import http.client
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/accreditation")
SCRATCH = Path(tempfile.mkdtemp(prefix="load-bench-"))
SERVER_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "accreditation.production",
    "DATABASE_URL": base_url + "_load_bench",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1",
    "CACHE_URL": os.environ.get("CACHE_URL") or os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0",
    # wrk speaks plain HTTP to the server; the secure cookies' flag matters only to browsers.
    "SECURE_SSL_REDIRECT": "0",
    "MEDIA_ROOT": str(SCRATCH / "media"),
    "STATIC_ROOT": str(SCRATCH / "static"),
    "CELERY_BROKER_URL": "",  # tasks run in the request, as nothing else consumes them here
}
os.environ.update(SERVER_ENVIRONMENT)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from benchdb import load_average, machine, recreate_database  # noqa: E402
from seed import APPLICATIONS, BENCH_FACILITIES, FACILITIES, seed  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "20"))
# Two cores: a worker process per core and one more, so a core is not idle while a worker waits for PostgreSQL;
# two threads a worker overlap one request's database wait with another's Python (the GIL allows no more gain).
# PostgreSQL and wrk share the same two cores, so more processes would only queue for them.
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
# BENCH_ONLY="application page,autosave": run only the scenarios whose labels are listed.
PROFILE = "--profile" in sys.argv
ONLY = {label.strip() for label in os.environ.get("BENCH_ONLY", "").split(",") if label.strip()}
WRK_THREADS = 2
PORT = 8765
CSRF = get_random_string(32)
SIGN_IN_PATHS = ("/accounts/login/", "/accounts/2fa/", "/accounts/reauthenticate/")


def sign_in(user, second_factor=None):
    """A session as allauth leaves it after a sign-in (with the TOTP step when given); returns its cookie header."""
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = time.time()
    methods = [{"method": "password", "at": now, "email": user.email}]
    if second_factor is not None:
        methods.append({"method": "mfa", "at": now, "type": second_factor.type, "id": second_factor.pk})
    session["account_authentication_methods"] = methods
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={CSRF}"


def scenarios(office, assessor, facilities, assessed):
    """(label, [(method, path, cookie, body, question number)]): what each scenario's connections request."""
    from allauth.mfa.models import Authenticator

    from applications.models import Answer
    from applications.workflow import Status

    def staff_cookie(facility):
        return sign_in(facility.authorised_representative)

    facility_cookies = [staff_cookie(f) for f in facilities]
    office_cookie = sign_in(office, Authenticator.objects.get(user=office, type=Authenticator.Type.TOTP))
    assessor_cookie = sign_in(assessor, Authenticator.objects.get(user=assessor, type=Authenticator.Type.TOTP))

    def for_each_facility(path):
        return [("GET", path, cookie, "", "") for cookie in facility_cookies]

    def office_page(path):
        return [("GET", path, office_cookie, "", "")]

    # Each person saves two questions of their own (no two share a question number): wrk's Lua script
    # learns an answer's new version from the response by that number.
    saves = []
    for n, (facility, cookie) in enumerate(zip(facilities, facility_cookies)):
        answers = Answer.objects.filter(application__facility=facility).select_related("question").order_by(
            "question__number")[2 * n:2 * n + 2]
        for answer in answers:
            body = f"choice={{choice}}&evidence=Evidence+from+save+{{save}}&explanation=Checked&version={answer.version}"
            saves.append(("POST", f"/facility/application/answers/{answer.question_id}/", cookie, body,
                          str(answer.question.number)))
    open_reviews = [a for a in assessed if a.status == Status.UNDER_REVIEW][:CONNECTIONS] or assessed[:CONNECTIONS]
    invoices = [f.invoices.get() for f in facilities]
    return [
        ("application page", for_each_facility("/facility/application/")),
        ("autosave", saves),
        ("case review summary", for_each_facility("/facility/case-review/summary/")),
        ("assessor review page", [("GET", f"/assessor/applications/{a.pk}/", assessor_cookie, "", "") for a in open_reviews]),
        ("assessor queue", [("GET", "/assessor/", assessor_cookie, "", "")]),
        ("office start page", office_page("/office/")),
        ("office facility search", office_page("/office/facilities/?q=vienna")),
        ("office assessment list", office_page("/office/assessments/")),
        ("invoice PDF", [("GET", f"/invoices/{invoice.pk}/pdf/", cookie, "", "")
                         for invoice, cookie in zip(invoices, facility_cookies)]),
    ]


def fill(body, save):
    return body.replace("{choice}", "no").replace("{save}", str(save))


def check_over_http(method, path, cookie, body):
    """The server answers the page itself: 200, not a redirect to sign in or to the second factor."""
    server = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Cookie": cookie}
    if method == "POST":
        headers.update({"X-CSRFToken": CSRF, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"})
    server.request(method, path, body=fill(body, 0) or None, headers=headers)
    response = server.getresponse()
    content = response.read()
    server.close()
    if response.status != 200:
        raise SystemExit(f"{method} {path} answered {response.status} {response.getheader('Location') or ''}: "
                         f"{content[:300]!r}")
    return content


def count_queries(method, path, cookie, body):
    """Queries of one request in this process (after a first one, which may fill caches or render a PDF)."""
    client = Client(enforce_csrf_checks=True, HTTP_COOKIE=cookie)
    headers = {"HTTP_X_CSRFTOKEN": CSRF, "HTTP_HX_REQUEST": "true"} if method == "POST" else {}
    send = client.post if method == "POST" else client.get

    def request(save):
        if method == "POST":
            return send(path, fill(body, save), content_type="application/x-www-form-urlencoded", **headers)
        return send(path)

    first = request(1)
    if method == "POST":
        body = newer_version(body, first.content)
    with CaptureQueriesContext(connection) as queries:
        response = request(2)
    if response.status_code != 200 or any(p in response.get("Location", "") for p in SIGN_IN_PATHS):
        raise SystemExit(f"in process, {method} {path} answered {response.status_code} {response.get('Location', '')}")
    return len(queries), response.content if method == "POST" else b""


def newer_version(body, content):
    """An autosave's body editing the version its previous save's response names (other bodies unchanged)."""
    saved = re.search(rb'-version" value="(\d+)"', content) if body else None
    return re.sub(r"version=\d+", f"version={saved[1].decode()}", body) if saved else body


def start_server():
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "accreditation.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(WORKERS), "--threads", str(THREADS), "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **SERVER_ENVIRONMENT},
    )
    for _ in range(120):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=2).request("GET", "/")
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def drive(requests):
    """Run wrk over the requests for SECONDS; the Lua script's done() line, as numbers."""
    request_file = SCRATCH / "requests.tsv"
    request_file.write_text("".join("\t".join(line) + "\n" for line in requests))
    output = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "30s",
         "-s", str(BENCH / "load.lua"), f"http://127.0.0.1:{PORT}"],
        env={**os.environ, "BENCH_REQUESTS": str(request_file), "BENCH_CSRF": CSRF, "BENCH_WRK_THREADS": str(WRK_THREADS)},
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    return {key: float(value) for key, value in (pair.split("=") for pair in line.split()[1:])}


def main(reuse):
    from applications.models import Application
    from applications.workflow import Status
    from facilities.models import Facility, User
    from invoicing.models import Invoice
    from invoicing.services import store_invoice_pdf

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if reuse:
        call_command("migrate", verbosity=0)
        office, assessor = User.objects.get(email="office@bench.example"), User.objects.get(email="assessor@bench.example")
        facilities = list(Facility.objects.filter(applications__status=Status.DRAFT, applications__case_review__isnull=False)
                          .order_by("pk")[:BENCH_FACILITIES])
        assessed, seeded_in = Application.objects.filter(assignments__assessor=assessor), None
    else:
        recreate_database()
        started = time.perf_counter()
        office, assessor, facilities, assessed = seed()
        seeded_in = time.perf_counter() - started
        print(f"seeded {FACILITIES} facilities, {FACILITIES} applications of 52 answers ({APPLICATIONS} past their draft) "
              f"in {seeded_in:.0f} s", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    # Downloads of stored PDFs are measured: rendered here, into this run's (empty) media folder.
    Invoice.objects.filter(facility__in=facilities).update(pdf="")
    for invoice in Invoice.objects.filter(facility__in=facilities).select_related("facility"):
        store_invoice_pdf(invoice)
    assessed = list(Application.objects.filter(pk__in=[a.pk for a in assessed]).order_by("pk"))
    plan = [(label, requests) for label, requests in scenarios(office, assessor, facilities, assessed)
            if not ONLY or label in ONLY]
    if PROFILE:
        return profile(plan)
    server = start_server()
    rows = []
    load_before = load_average()
    try:
        for label, requests in plan:
            for n, (method, path, cookie, body, number) in enumerate(requests[:3]):
                content = check_over_http(method, path, cookie, body)
                requests[n] = (method, path, cookie, newer_version(body, content), number)
            queries, content = count_queries(*requests[0][:4])
            requests[0] = (*requests[0][:3], newer_version(requests[0][3], content), requests[0][4])
            result = drive(requests)
            rows.append((label, requests[0][1], result, queries))
            print(f"{label}: {result['requests'] / result['seconds']:.1f} requests/s, median {result['p50']:.0f} ms, "
                  f"{queries} queries, {int(result['non2xx'])} non-2xx", flush=True)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(SCRATCH, ignore_errors=True)  # the run's media and static files
    report(rows, seeded_in, load_before)


def profile(plan, requests=50):
    """pyinstrument's tree of each scenario's first request, repeated in this process, into bench/profiles/."""
    from pyinstrument import Profiler

    folder = BENCH / "profiles"
    folder.mkdir(exist_ok=True)
    for label, lines in plan:
        method, path, cookie, body, _number = lines[0]
        client = Client(HTTP_COOKIE=cookie)
        headers = {"HTTP_X_CSRFTOKEN": CSRF, "HTTP_HX_REQUEST": "true"} if method == "POST" else {}

        def request(save):
            nonlocal body
            if method == "GET":
                return client.get(path)
            response = client.post(path, fill(body, save), content_type="application/x-www-form-urlencoded", **headers)
            body = newer_version(body, response.content)
            return response

        request(0)
        profiler, cpu_started = Profiler(interval=0.0005), time.process_time()
        with profiler:
            for save in range(1, requests + 1):
                request(save)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / requests
        text = profiler.output_text(unicode=True, color=False, show_all=False)
        name = re.sub(r"[^a-z]+", "-", label.lower()).strip("-")
        (folder / f"{name}.txt").write_text(f"{label}: {method} {path}, {requests} requests in process, "
                                            f"{cpu_ms:.1f} ms CPU each (profiler's own cost included)\n\n{text}")
        print(f"{label}: {cpu_ms:.1f} ms CPU a request; profile in bench/profiles/{name}.txt", flush=True)


def report(rows, seeded_in, load_before):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH).stdout.strip()
    table = [
        f"### Load, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"{FACILITIES} facilities of 4 people with 52-answer applications ({APPLICATIONS} past their draft)"
        + (f", seeded in {seeded_in:.0f} s" if seeded_in else "") + f"; {machine()}.",
        f"gunicorn (accreditation.production, {WORKERS} workers x {THREADS} threads) and wrk ({WRK_THREADS} threads, "
        f"{CONNECTIONS} connections, {SECONDS} s a scenario) on the same machine.",
        f"Load average (1, 5, 15 min) at the start {load_before}, at the end {load_average()}: the machine is shared.",
        "",
        "| scenario | first URL | requests/s | median ms | p95 ms | p99 ms | queries | non-2xx |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {label} | `{url}` | {r['requests'] / r['seconds']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | "
          f"{queries} | {int(r['non2xx'] + r['socket_errors'])} |" for label, url, r, queries in rows),
        "",
    ]
    print("\n".join(table))
    with open(BENCH / "RESULTS.md", "a") as results:
        results.write("\n".join(table) + "\n")


if __name__ == "__main__":
    main(reuse="--reuse" in sys.argv)
