"""Application page and autosave timings on PostgreSQL with N facilities holding full applications.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/accreditation .venv/bin/python bench/application_page.py [N ...]
Uses its own database (<name>_bench), recreated on every run. Prints median and p95 in milliseconds.
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
from django.test import Client  # noqa: E402

from benchdb import percentile, recreate_database  # noqa: E402

REQUESTS = 200


def seed(count, start):
    from applications.models import Answer, Application, Programme, Question
    from facilities.models import Facility, Membership, User

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
                programme=programme, name=f"Bench facility {n}", institution="Bench hospital", address="1 Street",
                city="Vienna", country="AT", phone="1", service_line="IR", annual_procedures=200,
                status=Facility.Status.ENROLLED, authorised_representative=users[2 * i],
                deputy_representative=users[2 * i], main_account_holder=users[2 * i],
            )
            for i, n in enumerate(chunk)
        )
        Membership.objects.bulk_create(Membership(user=u, facility=facilities[i // 2]) for i, u in enumerate(users))
        applications = Application.objects.bulk_create(Application(facility=f, question_set=question_set) for f in facilities)
        Answer.objects.bulk_create(
            (
                Answer(application=a, question=q, choice="yes", evidence="Evidence " * 40, explanation="Because " * 20, version=1)
                for a in applications for q in questions
            ),
            batch_size=5000,
        )


def measure(total):
    from applications.models import Answer
    from facilities.models import User

    members = list(User.objects.filter(email__startswith="member").values_list("pk", flat=True))
    page_times, save_times = [], []
    client = Client()
    for _ in range(REQUESTS):
        user = User.objects.get(pk=random.choice(members))
        client.force_login(user)
        started = time.perf_counter()
        response = client.get("/facility/application/")
        page_times.append(time.perf_counter() - started)
        assert response.status_code == 200
        answer = Answer.objects.filter(application__facility__memberships__user=user).order_by("?").first()
        data = {"choice": "no", "evidence": "Updated evidence", "explanation": "Updated", "version": answer.version}
        started = time.perf_counter()
        response = client.post(f"/facility/application/answers/{answer.question_id}/", data, HTTP_HX_REQUEST="true")
        save_times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    for label, times in (("application page", page_times), ("autosave", save_times)):
        print(
            f"N={total:>6}  {label:<17} median {statistics.median(times) * 1000:7.1f} ms   "
            f"p95 {percentile(times, 0.95) * 1000:7.1f} ms   ({len(times)} requests)"
        )


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
