import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.models import AuditEntry, Enrolment, Facility
from invoicing.models import Payment

from .factories import FacilityFactory, InvoiceFactory, PaymentFactory, enrolment_of

pytestmark = pytest.mark.django_db


def test_office_lists_facilities_by_status_and_searches(client, office_user):
    FacilityFactory(name="Alpha Liver Centre", city="Graz")
    FacilityFactory(name="Beta Oncology", status=Enrolment.Status.ENROLLED)
    client.force_login(office_user)

    page = client.get(reverse("office:facilities"))
    assert b"Alpha Liver Centre" in page.content and b"Beta Oncology" in page.content

    enrolled = client.get(reverse("office:facilities"), {"status": "enrolled"})
    assert b"Beta Oncology" in enrolled.content and b"Alpha Liver Centre" not in enrolled.content

    found = client.get(reverse("office:facilities"), {"q": "graz"})
    assert b"Alpha Liver Centre" in found.content and b"Beta Oncology" not in found.content


def test_office_facility_page_shows_people_and_roles(client, office_user, registered):
    client.force_login(office_user)
    page = client.get(reverse("office:facility", args=[registered.facility.pk])).content.decode()
    for person in (registered.rep, registered.deputy, registered.holder, registered.member):
        assert person.email in page
    assert "Deputy authorised representative" in page and registered.facility.code in page


def test_recording_the_enrolment_payment_after_confirming_enrols_the_facility_records_who_and_emails_staff(
    client, office_user, registered, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = InvoiceFactory(facility=registered.facility)
    client.force_login(office_user)
    facility_page = client.get(reverse("office:facility", args=[registered.facility.pk])).content.decode()
    assert invoice.number in facility_page and reverse("invoicing:record_payment", args=[invoice.pk]) in facility_page

    url = reverse("invoicing:record_payment", args=[invoice.pk])
    payment = {"paid_on": timezone.localdate(), "amount": "1800.00", "reference": "BANK-4411", "submission_token": uuid.uuid4()}
    confirmation = client.post(url, payment).content.decode()
    assert "becomes an enrolled centre" in confirmation and "cannot be undone" in confirmation
    registered.facility.refresh_from_db()
    assert enrolment_of(registered.facility).status == Enrolment.Status.REGISTERED and not Payment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**payment, "confirmed": "1"})

    assert response.status_code == 302
    registered.facility.refresh_from_db()
    assert enrolment_of(registered.facility).status == Enrolment.Status.ENROLLED
    entry = AuditEntry.objects.get(action="enrolment.status.enrolled")
    assert entry.actor == office_user
    assert entry.changes["status"] == ["registered", "enrolled"]
    assert entry.changes["payment_reference"] == "BANK-4411"
    assert AuditEntry.objects.get(action="invoice.payment_recorded").changes["amount"] == "1800.00"
    assert {address for m in mailoutbox for address in m.to} == {registered.rep.email, registered.deputy.email, registered.holder.email, registered.member.email}
    history = client.get(reverse("office:facility", args=[registered.facility.pk])).content.decode()
    assert "BANK-4411" in history and url not in history


def test_a_paid_invoice_takes_no_second_payment(client, office_user, enrolled):
    invoice = InvoiceFactory(facility=enrolled.facility)
    PaymentFactory(invoice=invoice)
    client.force_login(office_user)
    response = client.post(
        reverse("invoicing:record_payment", args=[invoice.pk]),
        {"paid_on": "2026-11-20", "amount": "10.00", "reference": "X", "confirmed": "1"},
    )
    assert response.status_code == 200 and b"Nothing is outstanding" in response.content
    assert Payment.objects.count() == 1
    assert not AuditEntry.objects.filter(action__startswith="enrolment.status").exists()


def test_a_payment_dated_in_the_future_is_refused(client, office_user, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    client.force_login(office_user)
    response = client.post(
        reverse("invoicing:record_payment", args=[invoice.pk]),
        {"paid_on": "2099-01-01", "amount": "1800.00", "reference": "X", "confirmed": "1"},
    )
    assert response.status_code == 200 and b"in the future" in response.content
    registered.facility.refresh_from_db()
    assert enrolment_of(registered.facility).status == Enrolment.Status.REGISTERED and not Payment.objects.exists()


def test_the_history_shows_changes_as_old_and_new_and_details_as_they_are(client, office_user, registered):
    from facilities import audit

    audit.record("facility.test", "Payment noted", actor=office_user, facility=registered.facility,
                 changes={"status": ["registered", "enrolled"], "payment_reference": "BANK-77"})
    client.force_login(office_user)
    page = client.get(reverse("office:facility", args=[registered.facility.pk])).content.decode()
    assert "registered → enrolled" in page and "<code>payment_reference</code>: BANK-77" in page


def test_the_office_start_page_lists_what_waits(client, office_user, registered, enrolled, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    from .factories import issued_invoice
    from .workflow_steps import submitted_application

    submitted_application(enrolled.facility)
    issued_invoice(registered.facility, issued_on=timezone.localdate() - timedelta(days=45))
    client.force_login(office_user)
    assert client.get("/").url == reverse("office:attention")
    # One or two queries a card: what waits for assessors, audits, decisions, late steps, consultations, invoices.
    with django_assert_max_num_queries(21):
        page = client.get(reverse("office:attention")).content.decode()
    assign_section = page.split("Submitted: assign two assessors")[1].split("</section>")[0]
    assert enrolled.facility.name in assign_section
    unpaid_section = page.split("Registered, enrolment not yet paid")[1].split("</section>")[0]
    assert registered.facility.name in unpaid_section
    overdue_section = page.split("Invoices past their due date")[1].split("</section>")[0]
    assert registered.facility.name in overdue_section
