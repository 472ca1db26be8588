"""Office list pages at 10,000 facilities and 5,000 applications, timed in process.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/acc_lists_bench .venv/bin/python bench/office_lists.py [REQUESTS] [--reuse]
The database named by DATABASE_URL is dropped, created, migrated and seeded: give it a throwaway name.
With --reuse, the data seeded by an earlier run is measured again (after migrating).
Prints median, p95 and queries per request for each page, the machine and date, and EXPLAIN ANALYZE of
each page's slowest queries; appends the table to bench/RESULTS.md.
"""
import datetime
import os
import platform
import statistics
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
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from benchdb import percentile, recreate_database  # noqa: E402
from django.utils import timezone  # noqa: E402

FACILITIES = 10_000
APPLICATIONS = 5_000
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
]
CITIES = ["Vienna", "Graz", "Berlin", "Munich", "Paris", "Lyon", "Madrid", "Rome", "Milan", "Leeds", "Oslo", "Porto"]


def seed():
    from applications.models import Application, Programme
    from assessment.models import Assignment, Decision, Round
    from assessment.workflow import Status
    from correspondence.models import FacilityDocument, Message
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from facilities.models import Facility, Membership, User
    from invoicing.models import Invoice, Payment

    password = make_password("bench-password")
    office = User.objects.create(email="office@bench.example", password=password, office_role=User.OfficeRole.ADMINISTRATOR)
    assessor = User.objects.create(email="assessor@bench.example", password=password, is_assessor=True)
    other_assessor = User.objects.create(email="assessor2@bench.example", password=password, is_assessor=True)
    for person in (office, assessor, other_assessor):  # their roles need a second factor to reach any page
        TOTP.activate(person, generate_totp_secret())
    programme = Programme.objects.get(code="io")
    question_set = programme.current_question_set()
    statuses = list(Facility.Status.values)
    users = User.objects.bulk_create(
        (User(email=f"staff{n}@bench.example", password=password, last_name=f"Staff {n}") for n in range(FACILITIES)),
        batch_size=2000,
    )
    facilities = Facility.objects.bulk_create(
        (
            Facility(
                programme=programme, name=f"Centre {n}", institution=f"University Hospital {n % 997}",
                address="1 Street", city=CITIES[n % len(CITIES)], country="AT", phone="1", service_line="IR",
                annual_procedures=200, status=statuses[n % 7 % 4], authorised_representative=users[n],
                main_account_holder=users[n], deputy_representative=users[n],
            )
            for n in range(FACILITIES)
        ),
        batch_size=2000,
    )
    Membership.objects.bulk_create((Membership(user=users[n], facility=f) for n, f in enumerate(facilities)), batch_size=2000)
    application_statuses = Status.values[1:]
    now = timezone.now()
    applications = Application.objects.bulk_create(
        (
            Application(facility=facilities[n], question_set=question_set, status=application_statuses[n % len(application_statuses)],
                        submitted_at=now - datetime.timedelta(days=n % 400), submitted_by=users[n])
            for n in range(APPLICATIONS)
        ),
        batch_size=2000,
    )
    today = timezone.localdate()
    Round.objects.bulk_create(
        Round(application=a, number=1, closed_at=now, reply_due=today + datetime.timedelta(days=n % 30 - 15))
        for n, a in enumerate(applications) if a.status != Status.SUBMITTED
    )
    Decision.objects.bulk_create(
        Decision(application=a, outcome=Decision.Outcome.DEFERRED if a.status != Status.DENIED else Decision.Outcome.DENIED,
                 decided_by=office, decided_on=today, plan_due=today + datetime.timedelta(days=n % 180 - 90))
        for n, a in enumerate(applications)
        if a.status in (Status.DEFERRED, Status.DENIED, Status.PLAN_EVIDENCE_REQUESTED, Status.PLAN_REVIEW)
    )
    # (No corrective action plans are seeded, so the queue leaves out the plans under review.)
    assessed = [a for a in applications if a.status not in (Status.SUBMITTED, Status.PLAN_REVIEW)]
    Assignment.objects.bulk_create(
        Assignment(application=a, assessor=assessor if slot == 1 else other_assessor, slot=slot, assigned_by=office)
        for a in assessed[:300] for slot in (1, 2)
    )
    invoices = Invoice.objects.bulk_create(
        (
            Invoice(facility=f, kind=Invoice.Kind.ENROLMENT, number=f"2026-{n + 1:05d}", year=2026, sequence=n + 1,
                    issued_on=today - datetime.timedelta(days=n % 200), due_on=today - datetime.timedelta(days=n % 200 - 30),
                    currency="EUR", bill_to_name=f.name, bill_to_institution=f.institution, bill_to_address="1 Street",
                    bill_to_country="AT", subtotal=1000, tax_rate=20, tax=200, total=1200, pdf=f"invoices/{n}.pdf")
            for n, f in enumerate(facilities)
        ),
        batch_size=2000,
    )
    Payment.objects.bulk_create(
        (Payment(invoice=invoice, paid_on=today, amount=1200, reference=f"REF{n}", recorded_by=office)
         for n, invoice in enumerate(invoices) if n % 3),
        batch_size=2000,
    )
    Message.objects.bulk_create(
        (Message(facility=f, author=users[n], from_office=bool(k), body="Question about the invoice")
         for n, f in enumerate(facilities[:4000]) for k in range(3)),
        batch_size=2000,
    )
    FacilityDocument.objects.bulk_create(
        (FacilityDocument(facility=f, file=f"documents/facility-{f.pk}/report.pdf", title="Annual report",
                          original_name="report.pdf", content_type="application/pdf", size=1000, uploaded_by=users[n])
         for n, f in enumerate(facilities[:3000])),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return office, assessor


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
        times, cpu_times = [], []
        for _ in range(requests):
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(url)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        rows.append((label, url, statistics.median(times) * 1000, percentile(times, 0.95) * 1000,
                     statistics.median(cpu_times) * 1000, len(captured), len(response.content) // 1024, requests))
        # The slowest queries of the page (leaving out the session and the signed-in user).
        queries = [q for q in captured if q["sql"].startswith("SELECT") and "django_session" not in q["sql"]]
        for query in sorted(queries, key=lambda q: q["time"], reverse=True)[:3]:
            plans.append((label, query["sql"], query["params"]))
    return rows, plans


def load_average():
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores ({cpu}), {platform.python_implementation()} {platform.python_version()}, PostgreSQL " \
           f"{connection.cursor().connection.info.server_version}"


def main(requests, reuse):
    from facilities.models import User

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    if reuse:
        call_command("migrate", verbosity=0)
        office, assessor = User.objects.get(email="office@bench.example"), User.objects.get(email="assessor@bench.example")
    else:
        recreate_database()
        started = time.perf_counter()
        office, assessor = seed()
        print(f"seeded {FACILITIES} facilities and {APPLICATIONS} applications in {time.perf_counter() - started:.0f} s")
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
        "for the other processes on the machine.",
        "",
        "| page | URL | median ms | p95 ms | Python CPU ms | queries | KiB | requests |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {label} | `{url}` | {median:.1f} | {p95:.1f} | {cpu:.1f} | {queries} | {size} | {n} |"
          for label, url, median, p95, cpu, queries, size, n in rows),
        "",
    ]
    print("\n".join(table))
    for label, sql, params in plans:
        print(f"\n## {label}\n  {sql}\n{explain(sql, params)}")
    with open(Path(__file__).parent / "RESULTS.md", "a") as results:
        results.write("\n".join(table) + "\n")


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--reuse"]
    main(int(arguments[0]) if arguments else 200, reuse="--reuse" in sys.argv)
