"""Every office list (and the assessor's queue) comes in pages of 50, in the same number of queries at 1 row as at 60.

Rows are bulk-created: the lists are about many rows, and factories for 120 facilities would make the tests slow.
"""
import itertools
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application, AwardTier, Programme
from applications.workflow import Status
from assessment.models import Assignment, Award, Decision
from correspondence.models import FacilityDocument, Message
from facilities import audit
from facilities.models import Enrolment, Facility
from invoicing.models import Invoice, Payment

from .factories import FacilityFactory, OfficeUserFactory

pytestmark = pytest.mark.django_db

numbers = itertools.count(1000)


def listed_facilities(count, status=Enrolment.Status.REGISTERED):
    """Facilities named "Listed centre N", N unique across a test (so a page's rows can be counted by name), each
    enrolled in IO in ``status``."""
    programme = Programme.objects.get(code="io")
    facilities = Facility.objects.bulk_create(
        Facility(name=f"Listed centre {n}", institution=f"Listed hospital {n}", address="1 Street",
                 city="Graz", country="AT", phone="1", service_line="IR", annual_procedures=200)
        for n in itertools.islice(numbers, count)
    )
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(facility=facility, programme=programme, status=status) for facility in facilities)
    for facility, enrolment in zip(facilities, enrolments):
        facility.io_enrolment = enrolment
    return facilities


def applications_of(facilities, status):
    io = Programme.objects.get(code="io")
    question_set, pathway = io.current_question_set(), io.current_pathway()
    return Application.objects.bulk_create(
        Application(facility=facility, enrolment=facility.io_enrolment, question_set=question_set, pathway=pathway, status=status,
                    submitted_at=timezone.now())
        for facility in facilities
    )


def invoices_of(facilities, due_on=None):
    today = timezone.localdate()
    return Invoice.objects.bulk_create(
        Invoice(facility=facility, enrolment=facility.io_enrolment, kind="enrolment", number=f"T-{facility.pk}", year=2026, sequence=facility.pk,
                issued_on=today, due_on=due_on or today + timedelta(days=30), currency="EUR",
                bill_to_name=facility.name, bill_to_institution=facility.institution, bill_to_address="1 Street",
                bill_to_country="Austria", subtotal=100, tax_rate=0, tax=0, total=100, pdf="invoices/t.pdf")
        for facility in facilities
    )


def awards_of(facilities, expires_on):
    """An approved application and its award for each facility (rows written directly, as the lists read them)."""
    decider = OfficeUserFactory()
    decisions = Decision.objects.bulk_create(
        Decision(application=application, outcome=Decision.Outcome.APPROVED, decided_by=decider, decided_on=timezone.localdate())
        for application in applications_of(facilities, Status.APPROVED)
    )
    base_tier = AwardTier.objects.get(code="accredited")
    return Award.objects.bulk_create(
        Award(facility_id=decision.application.facility_id, decision=decision, tier=base_tier, granted_on=timezone.localdate(),
              expires_on=expires_on) for decision in decisions
    )


def seed_facilities(count, context):
    return listed_facilities(count, status=Enrolment.Status.ENROLLED)


def seed_registered(count, context):
    return listed_facilities(count)


def seed_assessments(count, context):
    return applications_of(listed_facilities(count, status=Enrolment.Status.ENROLLED), Status.AWAITING_DECISION)


def seed_submitted(count, context):
    return applications_of(listed_facilities(count, status=Enrolment.Status.ENROLLED), Status.SUBMITTED)


def seed_late(count, context):
    """Waiting 40 days for the assessors' recommendations against a 14-day target: on the start page's late card
    only (under review without assessors, they would also wait for replacements)."""
    applications = applications_of(listed_facilities(count, status=Enrolment.Status.ENROLLED), Status.RECOMMENDATION)
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(submitted_at=timezone.now() - timedelta(days=40))


def seed_invoices(count, context):
    return invoices_of(listed_facilities(count, status=Enrolment.Status.ENROLLED))


def seed_overdue_invoices(count, context):
    return invoices_of(listed_facilities(count, status=Enrolment.Status.ENROLLED), timezone.localdate() - timedelta(days=1))


def seed_threads(count, context):
    facilities = listed_facilities(count, status=Enrolment.Status.ENROLLED)
    Message.objects.bulk_create(Message(facility=f, from_office=bool(k), body="About our invoice") for f in facilities for k in (0, 1))


def seed_uploads(count, context):
    facilities = listed_facilities(count, status=Enrolment.Status.ENROLLED)
    FacilityDocument.objects.bulk_create(
        FacilityDocument(facility=f, file=f"documents/facility-{f.pk}/a.pdf", title=f"Report of {f.name}",
                         original_name="a.pdf", content_type="application/pdf", size=10) for f in facilities
    )


def seed_awards(count, context):
    awards_of(listed_facilities(count, status=Enrolment.Status.ACCREDITED), timezone.localdate() + timedelta(days=365))


def seed_payments(count, context):
    Payment.objects.bulk_create(
        Payment(invoice=invoice, paid_on=timezone.localdate(), amount=100, reference=f"B-{invoice.pk}",
                recorded_by=context["office_user"]) for invoice in seed_invoices(count, context)
    )


def seed_audit_trail(count, context):
    for facility in listed_facilities(count, status=Enrolment.Status.ENROLLED):
        audit.record("facility.edited", "Profile edited", actor=context["office_user"], facility=facility)


def seed_queue(count, context):
    applications = applications_of(listed_facilities(count, status=Enrolment.Status.ENROLLED), Status.RECOMMENDATION)
    Assignment.objects.bulk_create(
        Assignment(application=a, assessor=context["assessor"], slot=1, assigned_by=context["office_user"]) for a in applications
    )


# (list, who reads it, URL, page parameter, what puts N rows into it); the start page's cards hold 10 a page.
LISTS = [
    ("facilities", "office_user", "/office/facilities/", "page", seed_facilities),
    ("facility search", "office_user", "/office/facilities/?q=listed+centre", "page", seed_facilities),
    ("start page: registered", "office_user", "/office/", "registered_page", seed_registered),
    ("start page: submitted", "office_user", "/office/", "submitted_page", seed_submitted),
    ("start page: late", "office_user", "/office/", "late_page", seed_late),
    ("start page: overdue invoices", "office_user", "/office/", "overdue_invoices_after", seed_overdue_invoices),
    ("assessments", "office_user", "/office/assessments/", "page", seed_assessments),
    ("invoices", "office_user", "/office/invoices/", "page", seed_invoices),
    ("outstanding invoices", "office_user", "/office/invoices/?open=1", "after", seed_invoices),
    ("awards", "office_user", "/office/awards/", "page", seed_awards),
    ("payments", "office_user", "/office/payments/", "page", seed_payments),
    ("audit trail", "office_user", "/office/audit-trail/", "page", seed_audit_trail),
    ("documents", "office_user", "/office/documents/", "uploads_page", seed_uploads),
    ("messages", "office_user", "/office/messages/", "before", seed_threads),
    ("assessor queue", "assessor", "/assessor/", "page", seed_queue),
]


def listed_on(response):
    return set(re.findall(r"Listed centre \d+", response.content.decode()))


def is_seek(param):
    """Lists paged by seeking name where the next page starts, not its number."""
    return param in ("before", "after") or param.endswith("_after")


def next_page_url(url, param, response):
    """The link to the second page, as the page itself offers it."""
    html = response.content.decode()
    page = r"\d+" if is_seek(param) else "2"
    href = re.search(rf'href="(\?[^"]*\b{param}={page}\b[^"]*)"', html).group(1).replace("&amp;", "&")
    return url.split("?")[0] + href


@pytest.mark.parametrize("name, reader, url, param, seed", LISTS, ids=[row[0] for row in LISTS])
def test_each_list_shows_a_page_of_rows_with_accessible_links(client, office_user, assessor, name, reader, url, param, seed):
    context = {"office_user": office_user, "assessor": assessor}
    per_page = 10 if url == "/office/" else 50
    seed(per_page + 1, context)
    client.force_login(context[reader])

    first = client.get(url)
    html = first.content.decode()
    assert len(listed_on(first)) == per_page
    assert re.search(r'<nav class="pager" aria-label="[^"]+"', html)
    if not is_seek(param):
        assert 'aria-current="page"><span class="sr-only">Page </span>1</a>' in html
    second = client.get(next_page_url(url, param, first))
    assert second.status_code == 200
    assert len(listed_on(second)) == 1 and not listed_on(second) & listed_on(first)


@pytest.mark.parametrize("name, reader, url, param, seed", LISTS, ids=[row[0] for row in LISTS])
def test_each_list_takes_as_many_queries_for_sixty_rows_as_for_one(
    client, office_user, assessor, django_assert_num_queries, name, reader, url, param, seed
):
    context = {"office_user": office_user, "assessor": assessor}
    client.force_login(context[reader])
    seed(1, context)
    client.get(url)  # the session and the sign-in are warm from here on
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(url).status_code == 200

    seed(59, context)
    with django_assert_num_queries(len(one_row)):
        assert client.get(url).status_code == 200


def test_page_links_keep_the_search_and_the_status(client, office_user):
    listed_facilities(60, status=Enrolment.Status.ENROLLED)
    client.force_login(office_user)
    html = client.get("/office/facilities/", {"q": "listed", "status": "enrolled"}).content.decode()
    link = re.search(r'href="(\?[^"]*page=2[^"]*)"', html).group(1)
    assert "q=listed" in link and "status=enrolled" in link


def test_paging_one_start_page_list_keeps_the_others_pages(client, office_user):
    seed_submitted(25, {})  # their facilities are enrolled
    listed_facilities(25)  # registered
    client.force_login(office_user)
    html = client.get("/office/", {"registered_page": 2}).content.decode()
    assert re.search(r'href="\?registered_page=2&amp;submitted_page=2"', html)


def test_search_finds_facilities_by_name_institution_city_country_and_code(client, office_user):
    wanted = FacilityFactory(name="Sankt Anna Liver Unit", institution="Donauspital", city="Linz", country="SI")
    FacilityFactory(name="Other Unit", institution="Other Hospital", city="Vienna")
    client.force_login(office_user)
    for query in ("anna liver", "DONAUSPITAL", "linz", "sloven", wanted.code.lower()):
        page = client.get("/office/facilities/", {"q": query}).content.decode()
        assert "Sankt Anna Liver Unit" in page and "Other Unit" not in page, query


def test_the_facility_list_counts_each_facilitys_people(client, office_user, enrolled):
    client.force_login(office_user)
    html = client.get("/office/facilities/").content.decode()
    # Rep, deputy, holder and a plain member.
    assert re.search(rf"{enrolled.facility.name}</a>.*?<td>4</td>", html, re.S)


def test_outstanding_invoices_leave_out_paid_ones(client, office_user):
    paid, unpaid = invoices_of(listed_facilities(2, status=Enrolment.Status.ENROLLED), timezone.localdate() - timedelta(days=3))
    Payment.objects.create(invoice=paid, paid_on=timezone.localdate(), amount=100, reference="B-1", recorded_by=office_user)
    client.force_login(office_user)
    for page in (client.get("/office/invoices/", {"open": 1}), client.get("/office/")):
        html = page.content.decode()
        assert unpaid.number in html and paid.number not in html


def test_the_messages_list_shows_the_thread_with_the_latest_message_first(client, office_user):
    first, second = listed_facilities(2, status=Enrolment.Status.ENROLLED)
    for facility in (first, second, first):
        Message.objects.create(facility=facility, from_office=False, body="Hello")
    client.force_login(office_user)
    html = client.get("/office/messages/").content.decode()
    assert html.index(first.name) < html.index(second.name)
    assert html.count(first.name) == 1


def test_the_navigation_counts_unread_messages_up_to_ninety_nine(client, office_user):
    facilities = listed_facilities(101, status=Enrolment.Status.ENROLLED)
    client.force_login(office_user)
    Message.objects.bulk_create(Message(facility=f, from_office=False, body="Hello") for f in facilities[:99])
    assert 'aria-label="99 unread messages">99</span>' in client.get("/office/").content.decode()
    Message.objects.bulk_create(Message(facility=f, from_office=False, body="Hello") for f in facilities[99:])
    assert 'aria-label="more than 99 unread messages">99+</span>' in client.get("/office/").content.decode()


@pytest.mark.parametrize("url", ["/office/facilities/", "/office/assessments/", "/office/invoices/", "/office/"])
def test_list_rows_show_labels_and_dates_in_each_readers_language(client, office_user, url):
    """Rows translate their labels and dates once per language (accreditation/templatetags/listing.py), not once
    for everyone: a German reader after an English one (and an English one after that) sees their own."""
    from django.utils import translation
    from django.utils.formats import date_format
    from django.utils.html import escape

    facility, = listed_facilities(1, status=Enrolment.Status.ENROLLED)
    invoice, = invoices_of([facility], due_on=timezone.localdate() - timedelta(days=3))
    application, = applications_of([facility], Status.AWAITING_DECISION)
    client.force_login(office_user)
    shown = {
        "/office/facilities/": lambda: [facility.io_enrolment.get_status_display(), date_format(timezone.localtime(facility.created_at), "j M Y")],
        "/office/assessments/": lambda: [application.get_status_display(), date_format(timezone.localtime(application.submitted_at), "j M Y")],
        "/office/invoices/": lambda: [invoice.get_kind_display(), date_format(invoice.issued_on, "j M Y"), translation.gettext("Open")],
        "/office/": lambda: [application.get_status_display(), date_format(invoice.due_on, "j M Y")],
    }[url]
    pages = {}
    for language in ("en", "de", "en"):
        with translation.override(language):
            expected = shown()
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for text in expected:
            assert escape(text) in html, (language, text)
        pages.setdefault(language, expected)
    assert pages["en"] != pages["de"]


def test_the_assessment_list_shows_what_each_facility_owes_and_by_when(client, office_user):
    """The latest round's reply date and the decision's plan date, fetched only for the rows that owe them."""
    from django.utils.formats import date_format
    from django.utils.html import escape

    from assessment.models import Decision, Round

    today = timezone.localdate()
    facilities = listed_facilities(3, status=Enrolment.Status.ENROLLED)
    clarifying, = applications_of(facilities[:1], Status.CLARIFICATION_REQUESTED)
    deferred, = applications_of(facilities[1:2], Status.DEFERRED)
    applications_of(facilities[2:], Status.AWAITING_DECISION)
    Round.objects.create(application=clarifying, number=1, closed_at=timezone.now(), reply_due=today - timedelta(days=60))
    Round.objects.create(application=clarifying, number=2, closed_at=timezone.now(), reply_due=today - timedelta(days=2))
    Decision.objects.create(application=deferred, outcome=Decision.Outcome.DEFERRED, decided_by=office_user,
                            decided_on=today, plan_due=today + timedelta(days=30))
    client.force_login(office_user)
    html = client.get("/office/assessments/").content.decode()

    def row_of(facility):
        return re.search(rf"{facility.name}</a>.*?</tr>", html, re.S).group(0)

    reply_due, plan_due = date_format(today - timedelta(days=2), "j M Y"), date_format(today + timedelta(days=30), "j M Y")
    assert escape(f"Replies to the assessors' comments: {reply_due}") in row_of(facilities[0])
    assert "overdue" in row_of(facilities[0])
    assert f"Corrective action plan: {plan_due}" in row_of(facilities[1]) and "overdue" not in row_of(facilities[1])
    assert "—" in row_of(facilities[2])
