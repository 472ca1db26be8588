"""Seed our side of the pretalx comparison and sign the assessor in; prints the review page's path and cookie.

Run by bench/peer_pretalx.sh with the project's virtualenv and the same environment as the gunicorn it
starts (accreditation.production, the same DJANGO_SECRET_KEY: the session's auth hash depends on it).
The database named by DATABASE_URL is dropped, created, migrated and seeded.
"""
import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accreditation.production")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchdb import recreate_database  # noqa: E402

OTHER_APPLICATIONS = 300
EMAIL = "assessor@bench.example"


def seed():
    """One application under review through the real services, the assessor halfway through round 1,
    and a few hundred more applications under review (bulk) in the same assessor's queue."""
    from django.contrib.auth.hashers import make_password

    from applications.models import Answer, Application
    from applications.services import open_application, questions_of, submit_application
    from assessment import services
    from assessment.models import Assignment, Round, Verdict
    from applications.workflow import Status
    from facilities.models import Enrolment, Facility, User
    from tests.factories import AssessorFactory, FacilityFactory, OfficeUserFactory, answer_questions, complete_case_review
    from tests.workflow_steps import assign

    office = OfficeUserFactory()
    assessor, second = AssessorFactory(email=EMAIL), AssessorFactory()
    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    application = open_application(facility)
    questions = questions_of(application)
    answer_questions(application, questions)
    complete_case_review(application)
    application = submit_application(application, facility.authorised_representative)
    assign(application, assessor, second, office)
    for question in questions[: len(questions) // 2]:
        unclear = question.number % 5 == 0
        services.record_verdict(application, assessor, question,
                                Verdict.Outcome.CLARIFICATION if unclear else Verdict.Outcome.MET,
                                f"Please show the evidence for question {question.number}." if unclear else "")

    # The rest in bulk: hashing a password per person would take minutes.
    password = make_password("bench-password")
    staff = User.objects.bulk_create(User(email=f"staff{n}@bench.example", password=password) for n in range(OTHER_APPLICATIONS))
    facilities = Facility.objects.bulk_create(
        Facility(name=f"Centre {n}", institution=f"Hospital {n}", address="1 Street",
                 city="Vienna", country="AT", phone="1", service_line="IR", annual_procedures=200,
                 authorised_representative=person, main_account_holder=person, deputy_representative=person)
        for n, person in enumerate(staff)
    )
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(facility=f, programme=application.enrolment.programme, status=Enrolment.Status.ENROLLED)
        for f in facilities)
    now = timezone.now()
    others = Application.objects.bulk_create(
        Application(facility=f, enrolment=enrolments[n], question_set=application.question_set, pathway=application.pathway, status=Status.UNDER_REVIEW,
                    submitted_at=now - datetime.timedelta(days=n % 60))
        for n, f in enumerate(facilities)
    )
    Round.objects.bulk_create(Round(application=a, number=1) for a in others)
    Assignment.objects.bulk_create(
        Assignment(application=a, assessor=person, slot=slot, assigned_by=office)
        for a in others for slot, person in ((1, assessor), (2, second))
    )
    Answer.objects.bulk_create(
        (Answer(application=a, question=q, choice="yes", evidence="Staff register, CPD log and audit reports.", version=1)
         for a in others for q in questions),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return application, len(questions)


def sign_in():
    """Through the login form and the authenticator step, as the assessor would: a server-side session
    with the second factor recorded."""
    from tests.factories import PASSWORD, totp_code

    client = Client()
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.get("Location") == reverse("mfa_authenticate"), response.status_code
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate"), response.status_code
    return client


def queries_of(client, path):
    """How many SQL queries the page takes, once warm (the second request)."""
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def main():
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    recreate_database()
    application, question_count = seed()
    path, client = reverse("assessment:review", args=[application.pk]), sign_in()
    print(json.dumps({
        "path": path,
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "queries": queries_of(client, path),
        "what": f"{question_count} questions, half with the assessor's verdict; {OTHER_APPLICATIONS + 1} applications under review",
    }))


if __name__ == "__main__":
    main()
