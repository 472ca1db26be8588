"""The portal at the size the benchmarks measure, seeded in bulk (bulk_create, COPY for the large tables).

10,000 facilities, each with four people (representative, deputy, account holder, one more member) and an
application of 52 answers; 5,000 applications are past their draft, spread over every later status; 300 of
those went through submission with a 30-case review and are assigned to two assessors; every facility has
an invoice, two in three of them paid; messages and uploaded documents for the office's lists.
The first BENCH_FACILITIES facilities with draft applications also have a 30-case review: the load
benchmark signs in their people.

Import after django.setup().
"""
import datetime
import io

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

FACILITIES = 10_000
APPLICATIONS = 5_000  # past their draft
ASSESSED_WITH_CASES = 300
BENCH_FACILITIES = 20
CASES = 30
CITIES = ["Vienna", "Graz", "Berlin", "Munich", "Paris", "Lyon", "Madrid", "Rome", "Milan", "Leeds", "Oslo", "Porto"]
ROLES = ("rep", "deputy", "holder", "member")


def copy_rows(table, columns, rows):
    """COPY rows into a table: an order of magnitude faster than INSERT for the hundreds of thousands of answers."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)


def seed():
    """Seed an empty, migrated database; returns the office user, the assessor and the bench facilities."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    from applications.models import Application, Programme, Question
    from assessment.models import Assignment, Decision, Round
    from applications.workflow import Status
    from casereview.models import CaseReview, DatasetItem, ReviewCase
    from correspondence.models import FacilityDocument, Message
    from facilities.models import Enrolment, Facility, Membership, User
    from invoicing.models import Invoice, InvoiceLine, Payment

    password = make_password("bench-password")
    office = User.objects.create(email="office@bench.example", password=password, office_role=User.OfficeRole.ADMINISTRATOR)
    assessor = User.objects.create(email="assessor@bench.example", password=password, is_assessor=True)
    other_assessor = User.objects.create(email="assessor2@bench.example", password=password, is_assessor=True)
    for person in (office, assessor, other_assessor):  # their roles need a second factor to reach any page
        TOTP.activate(person, generate_totp_secret())
    programme = Programme.objects.get(code="io")
    question_set = programme.current_question_set()
    questions = list(Question.objects.filter(standard__question_set=question_set).values_list("pk", flat=True))
    open_statuses = [Enrolment.Status.ENROLLED, Enrolment.Status.ACCREDITED, Enrolment.Status.EXCELLENCE]
    users = User.objects.bulk_create(
        (User(email=f"{role}{n}@bench.example", password=password, first_name=role.title(), last_name=f"Staff {n}")
         for n in range(FACILITIES) for role in ROLES),
        batch_size=4000,
    )
    people = [users[4 * n:4 * n + 4] for n in range(FACILITIES)]
    facilities = Facility.objects.bulk_create(
        (
            Facility(
                name=f"Centre {n}", institution=f"University Hospital {n % 997}",
                address="1 Street", city=CITIES[n % len(CITIES)], country="AT", phone="1", service_line="IR",
                annual_procedures=200, authorised_representative=people[n][0],
                deputy_representative=people[n][1], main_account_holder=people[n][2],
            )
            for n in range(FACILITIES)
        ),
        batch_size=2000,
    )
    enrolments = Enrolment.objects.bulk_create(
        (Enrolment(facility=f, programme=programme, status=open_statuses[n % 3]) for n, f in enumerate(facilities)),
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        (Membership(user=person, facility=f) for n, f in enumerate(facilities) for person in people[n]), batch_size=4000
    )
    later_statuses = Status.values[1:]
    now = timezone.now()
    pathway = programme.current_pathway()
    applications = Application.objects.bulk_create(
        (
            Application(facility=facilities[n], enrolment=enrolments[n], question_set=question_set, pathway=pathway,
                        status=later_statuses[n % len(later_statuses)] if n < APPLICATIONS else Status.DRAFT,
                        submitted_at=now - datetime.timedelta(days=n % 400) if n < APPLICATIONS else None,
                        submitted_by=people[n][0] if n < APPLICATIONS else None)
            for n in range(FACILITIES)
        ),
        batch_size=2000,
    )
    evidence, explanation = "Evidence of the protocol, reviewed yearly. " * 8, "Because the team agreed. " * 4
    copy_rows(
        "applications_answer",
        ["application_id", "question_id", "choice", "evidence", "explanation", "version", "updated_at", "updated_by_id",
         "needs_review"],
        ((a.pk, q, "yes", evidence, explanation, 1, now.isoformat(), people[n][3].pk, "f")
         for n, a in enumerate(applications) for q in questions),
    )
    submitted, drafts = applications[:APPLICATIONS], applications[APPLICATIONS:]
    today = timezone.localdate()
    Round.objects.bulk_create(
        Round(application=a, number=1, closed_at=None if a.status == Status.UNDER_REVIEW else now,
              reply_due=today + datetime.timedelta(days=n % 30 - 15))
        for n, a in enumerate(submitted) if a.status != Status.SUBMITTED
    )
    Decision.objects.bulk_create(
        Decision(application=a, outcome=Decision.Outcome.DEFERRED if a.status != Status.DENIED else Decision.Outcome.DENIED,
                 decided_by=office, decided_on=today, plan_due=today + datetime.timedelta(days=n % 180 - 90))
        for n, a in enumerate(submitted)
        if a.status in (Status.DEFERRED, Status.DENIED, Status.PLAN_EVIDENCE_REQUESTED, Status.PLAN_REVIEW)
    )
    # (No corrective action plans are seeded, so the queue leaves out the plans under review.)
    assessed = [a for a in submitted if a.status not in (Status.SUBMITTED, Status.PLAN_REVIEW)][:ASSESSED_WITH_CASES]
    Assignment.objects.bulk_create(
        Assignment(application=a, assessor=assessor if slot == 1 else other_assessor, slot=slot, assigned_by=office)
        for a in assessed for slot in (1, 2)
    )
    permission = Permission.objects.get(codename="assess_application")
    content_type = ContentType.objects.get_for_model(Application)
    UserObjectPermission.objects.bulk_create(
        UserObjectPermission(user=person, permission=permission, content_type=content_type, object_pk=str(a.pk))
        for a in assessed for person in (assessor, other_assessor)
    )
    seed_case_reviews(assessed + drafts[:BENCH_FACILITIES], CaseReview, ReviewCase, DatasetItem, now)
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
    InvoiceLine.objects.bulk_create(
        (InvoiceLine(invoice=invoice, position=1, description="Enrolment fee", amount=1000) for invoice in invoices),
        batch_size=4000,
    )
    Payment.objects.bulk_create(
        (Payment(invoice=invoice, paid_on=today, amount=1200, reference=f"REF{n}", recorded_by=office)
         for n, invoice in enumerate(invoices) if n % 3),
        batch_size=2000,
    )
    Message.objects.bulk_create(
        (Message(facility=f, author=people[n][0], from_office=bool(k), body="Question about the invoice")
         for n, f in enumerate(facilities[:4000]) for k in range(3)),
        batch_size=2000,
    )
    FacilityDocument.objects.bulk_create(
        (FacilityDocument(facility=f, file=f"documents/facility-{f.pk}/report.pdf", title="Annual report",
                          original_name="report.pdf", content_type="application/pdf", size=1000, uploaded_by=people[n][0])
         for n, f in enumerate(facilities[:3000])),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    bench_facilities = [a.facility for a in drafts[:BENCH_FACILITIES]]
    return office, assessor, bench_facilities, assessed


def seed_case_reviews(applications, CaseReview, ReviewCase, DatasetItem, now):
    """30 complete cases per review, each record holding all but one of the dataset's items."""
    reviews = CaseReview.objects.bulk_create(CaseReview(application=a) for a in applications)
    cases = ReviewCase.objects.bulk_create(
        (ReviewCase(review=review, record_identifier=f"R{review.pk}-{k}", procedure_date=now.date(),
                    tumour_type="liver", checked=True, drawn=True, updated_at=now)
         for review in reviews for k in range(CASES)),
        batch_size=4000,
    )
    items = list(DatasetItem.objects.filter(is_active=True).values_list("pk", flat=True))
    copy_rows("casereview_reviewcase_present_items", ["reviewcase_id", "datasetitem_id"],
              ((case.pk, item) for n, case in enumerate(cases) for item in items if item != items[n % len(items)]))
