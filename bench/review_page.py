"""The assessor's review page and queue, timed in process.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/acc_review_bench .venv/bin/python bench/review_page.py [REQUESTS]
       [--reuse] [--profile] [--label TEXT]
The database named by DATABASE_URL is dropped, created, migrated and seeded: give it a throwaway name.
Seeds an IO application with all 52 questions answered in its second round (round 1 asked for clarification on
two questions, the facility replied), the first assessor halfway through their verdicts, and 20 applications
in that assessor's queue. Prints median, p95, Python CPU ms and queries per request; appends the table to
bench/RESULTS.md. With --profile, prints a pyinstrument profile of the review page instead.
"""
import argparse
import datetime
import os
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

from benchdb import recreate_database, timed_gets  # noqa: E402
from office_lists import load_average, machine  # noqa: E402

QUEUE_LENGTH = 20


def seed():
    from assessment import services
    from assessment.models import Verdict
    from facilities.models import Enrolment, Facility
    from tests.factories import AssessorFactory, FacilityFactory, answer_questions
    from tests.workflow_steps import assign, finish_round, reply_to_all, submitted_application

    from applications.models import Question

    first, second = AssessorFactory(email="assessor@bench.example"), AssessorFactory()
    for n in range(QUEUE_LENGTH):
        facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
        application = submitted_application(facility)
        answer_questions(application, Question.objects.filter(standard__question_set=application.question_set,
                                                              is_core=False))
        assign(application, first, second)
        if n:
            continue
        # The measured application: round 1 closed with two clarifications, replied to; round 2 half done.
        finish_round(application, [first, second], unclear=(5, 12))
        reply_to_all(application, facility.authorised_representative)
        services.resubmit_application(application, facility.authorised_representative)
        application.refresh_from_db()
        questions = list(Question.objects.filter(standard__question_set=application.question_set).order_by("number"))
        for question in questions[::2]:
            services.record_verdict(application, first, question, Verdict.Outcome.MET, "")
        measured = application
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return first, measured


def pages(application):
    return [
        ("review page", f"/assessor/applications/{application.pk}/", "en"),
        ("review page, German", f"/assessor/applications/{application.pk}/", "de"),
        (f"assessor queue ({QUEUE_LENGTH} applications)", "/assessor/", "en"),
    ]


def measure(client, application, requests):
    rows = []
    for label, url, language in pages(application):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        queries = []
        with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
            response = client.get(url)  # also fills the per-process and Django caches, as a running server has them
            queries.clear()
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        rows.append((label, url, *timed_gets(client, url, requests), len(queries), len(response.content) // 1024, requests))
    return rows


def profile(client, application, requests):
    from pyinstrument import Profiler

    url = pages(application)[0][1]
    client.get(url)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(requests):
            client.get(url)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main():
    from facilities.models import User

    parser = argparse.ArgumentParser()
    parser.add_argument("requests", type=int, nargs="?", default=200)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--label", default="")
    options = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = Path(settings.BASE_DIR) / "bench" / ".media"
    if options.reuse:
        call_command("migrate", verbosity=0)
        assessor = User.objects.get(email="assessor@bench.example")
        application = assessor.assignments.order_by("assigned_at", "pk").first().application
    else:
        recreate_database()
        started = time.perf_counter()
        assessor, application = seed()
        print(f"seeded {QUEUE_LENGTH} applications in {time.perf_counter() - started:.0f} s")
    client = Client()
    client.force_login(assessor)
    if options.profile:
        profile(client, application, options.requests)
        return
    load_before = load_average()
    rows = measure(client, application, options.requests)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    table = [
        f"### Assessor review page{' ' + options.label if options.label else ''}, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"52 questions answered, round 2, {QUEUE_LENGTH} applications in the queue; {machine()}; in process "
        "(django.test.Client).",
        "",
        f"Load average (1, 5, 15 min) at the start {load_before}, at the end {load_average()}: the machine is shared "
        "with other engineers' tests and benches right now.",
        "",
        "| page | URL | median ms | p95 ms | Python CPU ms | queries | KiB | requests |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {label} | `{url}` | {median:.1f} | {p95:.1f} | {cpu:.1f} | {queries} | {size} | {n} |"
          for label, url, median, p95, cpu, queries, size, n in rows),
        "",
    ]
    print("\n".join(table))
    with open(Path(__file__).parent / "RESULTS.md", "a") as results:
        results.write("\n".join(table) + "\n")


if __name__ == "__main__":
    main()
