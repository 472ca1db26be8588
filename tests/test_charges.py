"""Any charge: the programmes' fee lists, invoices for any item of them, and consultations facilities request."""
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from applications.models import Programme
from facilities.models import AuditEntry, User
from invoicing import services
from invoicing.models import ConsultationRequest, FeeItem, Invoice, ProgrammeFees

from .conftest import people_of
from .factories import ConsultationRequestFactory, FacilityFactory, InvoiceFactory, OfficeUserFactory

pytestmark = pytest.mark.django_db
DASHBOARD_QUERIES = 16  # the page, two for the consultations card, one for the programmes still open to the facility


def item(programme, code):
    return FeeItem.objects.select_related("fees").get(fees__programme__code=programme, code=code)


def in_days(days):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# The fee list


def test_each_programme_ships_its_fee_list_in_english_and_german_and_srs_recertifies_for_less():
    for programme in ("io", "srs"):
        codes = set(FeeItem.objects.filter(fees__programme__code=programme).values_list("code", flat=True))
        assert {"consultation", "onsite_audit"} <= codes
        assert all(i.description_de and i.description_en and i.amount > 0 for i in FeeItem.objects.all())
        assert [i.code for i in FeeItem.objects.of_programme(Programme.objects.get(code=programme).pk).requestable()] == [
            "consultation"]
    srs = ProgrammeFees.objects.get(programme__code="srs")
    assert item("srs", "recertification").amount < srs.enrolment_fee
    assert item("io", "onsite_audit").description_de == "Vor-Ort-Audit nach abgelehnter Akkreditierung"
    assert item("io", "reaccreditation").amount


def test_the_office_edits_the_fee_list_in_the_admin_beside_the_programme_s_fees(client, office_user):
    office_user.is_staff = office_user.is_superuser = True
    office_user.save()
    client.force_login(office_user)
    fees = ProgrammeFees.objects.get(programme__code="io")
    page = client.get(reverse("admin:invoicing_programmefees_change", args=[fees.pk])).content.decode()
    assert "Consultation on request" in page and "Beratung auf Anfrage" in page and "350.00" in page


def test_the_admin_and_the_database_refuse_a_fee_list_item_without_an_amount():
    free = FeeItem(fees=ProgrammeFees.objects.get(programme__code="io"), code="free", description="Free", amount=0)
    with pytest.raises(ValidationError, match="The amount must be more than zero"):
        free.full_clean()  # what the admin's form checks
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeItem.objects.filter(pk=item("io", "consultation").pk).update(amount=Decimal("0.00"))


# Invoices for a fee list item


@pytest.fixture
def german_facility(registered):
    """The registered facility, whose authorised representative reads German (its documents are German)."""
    User.objects.filter(pk=registered.rep.pk).update(language="de")
    registered.facility.refresh_from_db()
    return registered


def test_the_office_invoices_a_fee_list_item_after_seeing_the_total_with_tax(
    client, office_user, german_facility, mailoutbox, django_capture_on_commit_callbacks, pdf_of
):
    facility = german_facility.facility
    enrolment = InvoiceFactory(facility=facility)
    onsite = item("io", "onsite_audit")  # EUR 2,500.00 before tax
    client.force_login(office_user)
    assert reverse("invoicing:issue_fee_item_invoice", args=[facility.pk]) in client.get(
        facility.get_absolute_url()).content.decode()
    url = reverse("invoicing:issue_fee_item_invoice", args=[facility.pk])
    form_page = client.get(url).content.decode()
    assert "On-site audit after a denied accreditation (€2,500.00)" in form_page
    assert "Re-certification" not in form_page  # SRS's items are not offered for an IO facility
    token = str(uuid.uuid4())
    form = {"fee_item": onsite.pk, "quantity": "1", "note": "", "submission_token": token}

    confirmation = client.post(url, form).content.decode()
    assert "€2,500.00 plus 20.00% tax (€500.00), €3,000.00 in total" in confirmation
    assert Invoice.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**form, "confirmed": "1"})

    invoice = Invoice.objects.get(kind=Invoice.Kind.FEE_ITEM)
    assert response.url == reverse("invoicing:office_invoice", args=[invoice.pk])
    assert invoice.sequence == enrolment.sequence + 1 and invoice.number == f"{invoice.year}-{invoice.sequence:05d}"
    assert (invoice.subtotal, invoice.tax_rate, invoice.tax, invoice.total, invoice.currency) == (
        Decimal("2500.00"), Decimal("20.00"), Decimal("500.00"), Decimal("3000.00"), "EUR")
    assert invoice.fee_item == onsite and invoice.issued_by == office_user
    assert [line.description for line in invoice.lines.all()] == ["Vor-Ort-Audit nach abgelehnter Akkreditierung"]
    assert "Vor-Ort-Audit nach abgelehnter Akkreditierung" in pdf_of(default_storage.open(invoice.pdf.name).read())
    assert {a for m in mailoutbox for a in m.to} == {german_facility.rep.email, german_facility.deputy.email,
                                                     german_facility.holder.email}
    assert AuditEntry.objects.filter(action="invoice.issued.fee_item", facility=facility).count() == 1
    with pytest.raises(ValueError, match="never changes"):
        invoice.save()

    # The confirmation posted again (a double click, a second tab) issues nothing and shows the invoice.
    again = client.post(url, {**form, "confirmed": "1"})
    assert again.url == response.url and Invoice.objects.count() == 2
    assert "is issued already" in client.get(again.url).content.decode()
    # The office's lists and the facility's invoices name the item.
    assert "On-site audit after a denied accreditation" in client.get(reverse("invoicing:office_invoices")).content.decode()
    client.force_login(german_facility.holder)
    assert "On-site audit after a denied accreditation" in client.get(reverse("invoicing:invoices")).content.decode()


def test_a_quantity_and_a_note_go_on_the_line(registered, office_user):
    invoice = services.issue_fee_item_invoice(
        registered.facility, item("io", "consultation"), office_user, quantity=2, note="Two sessions in May")
    assert invoice.lines.get().description == "Consultation on request: 2 × €350.00 – Two sessions in May"
    assert (invoice.subtotal, invoice.total) == (Decimal("700.00"), Decimal("840.00"))


def test_an_issued_invoice_keeps_the_price_and_wording_it_was_issued_with(registered, office_user):
    consultation = item("io", "consultation")
    invoice = services.issue_fee_item_invoice(registered.facility, consultation, office_user)
    FeeItem.objects.filter(pk=consultation.pk).update(amount=Decimal("999.00"), description_en="Renamed")
    invoice.refresh_from_db()
    assert invoice.total == Decimal("420.00") and invoice.lines.get().description == "Consultation on request"


def test_a_credit_note_cancels_a_fee_list_invoice_and_the_corrected_copy_charges_the_same_item(registered, office_user):
    recertification = item("io", "reaccreditation")
    invoice = services.issue_fee_item_invoice(registered.facility, recertification, office_user)
    credit_note, corrected = services.issue_credit_note(invoice, office_user, reason="Wrong address", reissue=True)
    assert credit_note.credited_invoice == invoice and credit_note.total == -invoice.total
    assert corrected.kind == Invoice.Kind.FEE_ITEM and corrected.fee_item == recertification
    assert corrected.total == invoice.total and corrected.replaces == invoice
    assert [credit_note.sequence, corrected.sequence] == [invoice.sequence + 1, invoice.sequence + 2]
    assert Invoice.objects.with_balance().get(pk=invoice.pk).outstanding() == 0


def test_an_item_of_another_programme_is_refused_by_the_page_and_the_service(client, office_user, registered):
    srs_item = item("srs", "recertification")
    client.force_login(office_user)
    response = client.post(
        reverse("invoicing:issue_fee_item_invoice", args=[registered.facility.pk]),
        {"fee_item": srs_item.pk, "quantity": "1", "submission_token": str(uuid.uuid4()), "confirmed": "1"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError, match="is not on the fee list of a programme .* is enrolled in"):
        services.issue_fee_item_invoice(registered.facility, srs_item, office_user)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1, 100])
def test_no_invoice_for_nothing_or_less(registered, office_user, quantity):
    with pytest.raises(ValidationError, match="quantity must be between 1 and 99"):
        services.issue_fee_item_invoice(registered.facility, item("io", "consultation"), office_user, quantity=quantity)
    assert not Invoice.objects.exists()


def test_a_withdrawn_item_is_neither_offered_nor_invoiced(client, office_user, registered):
    onsite = item("io", "onsite_audit")
    FeeItem.objects.filter(pk=onsite.pk).update(is_active=False)
    client.force_login(office_user)
    page = client.get(reverse("invoicing:issue_fee_item_invoice", args=[registered.facility.pk])).content.decode()
    assert "On-site audit" not in page
    with pytest.raises(ValidationError, match="no longer offered"):
        services.issue_fee_item_invoice(registered.facility, onsite, office_user)


def test_the_same_submission_token_issues_one_invoice(registered, office_user):
    token = uuid.uuid4()
    first = services.issue_fee_item_invoice(registered.facility, item("io", "consultation"), office_user,
                                            submission_token=token)
    again = services.issue_fee_item_invoice(registered.facility, item("io", "consultation"), office_user,
                                            submission_token=token)
    assert first == again and Invoice.objects.count() == 1
    with pytest.raises(ValidationError, match="another facility"):
        services.issue_fee_item_invoice(FacilityFactory(), item("io", "consultation"), office_user, submission_token=token)


# Consultation requests


def request_form(**overrides):
    return {"topic": "Our corrective action plan", "preferred_date_1": in_days(10), "preferred_date_2": "",
            "preferred_date_3": "", "notes": "", **overrides}


@pytest.mark.parametrize("overrides, message", [
    ({"preferred_date_1": ""}, "Give at least one date"),
    ({"preferred_date_1": in_days(-3)}, "must be after today"),
    ({"preferred_date_1": in_days(0)}, "must be after today"),
    ({"preferred_date_1": in_days(5), "preferred_date_3": in_days(-1)}, "must be after today"),
    ({"topic": "   "}, "This field is required"),
    ({"preferred_date_1": "someday"}, "Enter a valid date"),
])
def test_a_consultation_request_needs_a_topic_and_future_dates(client, enrolled, mailoutbox, overrides, message):
    client.force_login(enrolled.rep)
    response = client.post(reverse("invoicing:request_consultation"), request_form(**overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not ConsultationRequest.objects.exists() and not mailoutbox


def test_the_service_refuses_an_empty_topic_and_no_dates_too(enrolled):
    with pytest.raises(ValidationError) as refused:
        services.request_consultation(enrolled.facility, enrolled.rep, fee_item=item("io", "consultation"), topic=" ",
                                      preferred_dates=[])
    assert set(refused.value.message_dict) == {"topic", "preferred_dates"}
    with pytest.raises(ValidationError, match="Choose one of the consultations"):
        services.request_consultation(enrolled.facility, enrolled.rep, fee_item=item("srs", "consultation"),
                                      topic="Physics", preferred_dates=[timezone.localdate() + timedelta(days=3)])


def test_the_deputy_requests_a_consultation_from_the_dashboard_and_the_office_is_told(
    client, enrolled, mailoutbox, django_capture_on_commit_callbacks, settings
):
    client.force_login(enrolled.deputy)
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert reverse("invoicing:request_consultation") in dashboard
    form_page = client.get(reverse("invoicing:request_consultation")).content.decode()
    assert "Consultation on request: €420.00 including tax" in form_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invoicing:request_consultation"),
                               request_form(preferred_date_2=in_days(20), preferred_date_3=in_days(10)))
    assert response.url == reverse("facilities:dashboard")

    consultation = ConsultationRequest.objects.get()
    assert consultation.requested_by == enrolled.deputy and consultation.status == ConsultationRequest.Status.REQUESTED
    assert consultation.preferred_dates == [in_days(10), in_days(20)]  # in the facility's order, each date once
    assert consultation.fee_item == item("io", "consultation")
    (mail,) = mailoutbox
    assert mail.to == [settings.OFFICE_EMAIL] and enrolled.facility.name in mail.subject
    assert "Our corrective action plan" in mail.body
    assert reverse("invoicing:office_consultation", args=[consultation.pk]) in mail.body
    assert AuditEntry.objects.filter(action="consultation.requested", facility=enrolled.facility).count() == 1
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Our corrective action plan" in dashboard and "Requested" in dashboard

    # The same request sent again (a double click) is refused while the first waits.
    again = client.post(reverse("invoicing:request_consultation"), request_form())
    assert "already requested" in again.content.decode() and ConsultationRequest.objects.count() == 1


def test_members_neither_request_nor_see_consultations(client, enrolled):
    ConsultationRequestFactory(facility=enrolled.facility, topic="Only for the invoice roles")
    client.force_login(enrolled.member)
    assert client.get(reverse("invoicing:request_consultation")).status_code == 403
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Only for the invoice roles" not in dashboard and reverse("invoicing:request_consultation") not in dashboard


def test_a_programme_without_a_requestable_item_says_so(client, enrolled):
    FeeItem.objects.update(facility_may_request=False)
    client.force_login(enrolled.rep)
    assert reverse("invoicing:request_consultation") not in client.get(reverse("facilities:dashboard")).content.decode()
    page = client.get(reverse("invoicing:request_consultation")).content.decode()
    assert "offers no consultation" in page


def test_the_facility_withdraws_a_request_the_office_has_not_answered(client, office_user, enrolled):
    consultation = ConsultationRequestFactory(facility=enrolled.facility, topic="No longer needed")
    other = people_of(FacilityFactory())
    url = reverse("invoicing:withdraw_consultation", args=[consultation.pk])
    client.force_login(other.rep)
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    client.force_login(enrolled.member)
    assert client.post(url).status_code == 403
    client.force_login(enrolled.holder)
    assert url in client.get(reverse("facilities:dashboard")).content.decode()
    assert "nothing is invoiced" in client.get(url).content.decode()
    client.post(url)
    client.post(url)  # a double submit

    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.WITHDRAWN and consultation.decided_by == enrolled.holder
    assert AuditEntry.objects.filter(action="consultation.withdrawn").count() == 1
    assert "Withdrawn" in client.get(reverse("facilities:dashboard")).content.decode()
    with pytest.raises(ValidationError, match="withdrew this request"):
        services.accept_consultation(consultation, office_user)
    client.force_login(office_user)
    start = client.get(reverse("office:attention")).content.decode()
    assert "No longer needed" not in start.split("Consultation requests to answer")[1].split("</section>")[0]
    assert not Invoice.objects.exists()


@pytest.fixture
def waiting(enrolled):
    return ConsultationRequestFactory(facility=enrolled.facility, requested_by=enrolled.deputy, topic="Dosimetry audit")


def test_the_office_sees_open_requests_on_its_start_page_and_list(client, office_user, waiting):
    client.force_login(office_user)
    start = client.get(reverse("office:attention")).content.decode()
    card = start.split("Consultation requests to answer")[1].split("</section>")[0]
    assert "Dosimetry audit" in card and reverse("invoicing:office_consultation", args=[waiting.pk]) in card
    listed = client.get(reverse("invoicing:office_consultations")).content.decode()
    assert "Dosimetry audit" in listed
    assert "Dosimetry audit" not in client.get(reverse("invoicing:office_consultations") + "?status=accepted").content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_the_request_list_takes_a_fixed_number_of_queries(client, office_user, enrolled, count, django_assert_num_queries):
    for _ in range(count):
        ConsultationRequestFactory(facility=FacilityFactory())
    client.force_login(office_user)
    client.get(reverse("invoicing:office_consultations"))
    with django_assert_num_queries(7):
        client.get(reverse("invoicing:office_consultations"))


def test_accepting_invoices_the_consultation_once_and_e_mails_the_facility(
    client, office_user, enrolled, waiting, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    url = reverse("invoicing:accept_consultation", args=[waiting.pk])
    confirmation = client.get(url).content.decode()
    assert "€350.00 plus 20.00% tax (€70.00), €420.00 in total" in confirmation
    assert not Invoice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)  # a double submit

    waiting.refresh_from_db()
    invoice = Invoice.objects.get()
    assert waiting.status == ConsultationRequest.Status.ACCEPTED and waiting.invoice == invoice
    assert waiting.decided_by == office_user and invoice.fee_item == item("io", "consultation")
    assert invoice.total == Decimal("420.00") and "Dosimetry audit" in invoice.lines.get().description
    (mail,) = mailoutbox
    assert set(mail.to) == {enrolled.rep.email, enrolled.deputy.email, enrolled.holder.email}
    assert invoice.number in mail.body and "accepted" in mail.subject
    assert AuditEntry.objects.filter(action="consultation.accepted").count() == 1
    assert AuditEntry.objects.filter(action="invoice.issued.fee_item").count() == 1
    detail = client.get(reverse("invoicing:office_consultation", args=[waiting.pk])).content.decode()
    assert invoice.number in detail and "Accept and invoice" not in detail
    with pytest.raises(ValidationError, match="accepted already"):
        services.decline_consultation(waiting, office_user, reason="Too late")
    client.force_login(enrolled.rep)
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Accepted" in dashboard and invoice.number in dashboard


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_issue_one_invoice():
    consultation = ConsultationRequestFactory(facility=FacilityFactory())
    office = OfficeUserFactory()
    start = threading.Barrier(2)
    errors = []

    def accept():
        try:
            start.wait()
            services.accept_consultation(consultation, office)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and Invoice.objects.count() == 1
    assert ConsultationRequest.objects.get().invoice == Invoice.objects.get()


def test_declining_needs_a_reason_and_e_mails_it(
    client, office_user, enrolled, waiting, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    url = reverse("invoicing:decline_consultation", args=[waiting.pk])
    assert "This field is required" in client.post(url, {"reason": " "}).content.decode()
    confirmation = client.post(url, {"reason": "We are fully booked until June."}).content.decode()
    assert "cannot be accepted later" in confirmation
    waiting.refresh_from_db()
    assert waiting.status == ConsultationRequest.Status.REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "We are fully booked until June.", "confirmed": "1"})
        client.post(url, {"reason": "We are fully booked until June.", "confirmed": "1"})

    waiting.refresh_from_db()
    assert waiting.status == ConsultationRequest.Status.DECLINED and waiting.decline_reason == "We are fully booked until June."
    assert not Invoice.objects.exists()
    (mail,) = mailoutbox
    assert "fully booked until June" in mail.body and enrolled.deputy.email in mail.to
    assert AuditEntry.objects.filter(action="consultation.declined").count() == 1
    with pytest.raises(ValidationError, match="declined already"):
        services.accept_consultation(waiting, office_user)
    assert client.get(reverse("invoicing:accept_consultation", args=[waiting.pk])).status_code == 302
    client.force_login(enrolled.deputy)
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Declined" in dashboard and "fully booked until June" in dashboard


def test_a_german_facility_s_consultation_invoice_line_is_german(german_facility, office_user):
    consultation = ConsultationRequestFactory(facility=german_facility.facility, topic="Fallbegutachtung")
    services.accept_consultation(consultation, office_user)
    consultation.refresh_from_db()
    assert consultation.invoice.lines.get().description == "Beratung auf Anfrage – Fallbegutachtung"


@pytest.mark.parametrize("count", [0, 3])
def test_the_dashboard_costs_the_same_with_any_number_of_requests(client, enrolled, count, django_assert_num_queries):
    for n in range(count):
        ConsultationRequestFactory(facility=enrolled.facility, topic=f"Topic {n}")
    client.force_login(enrolled.rep)
    client.get(reverse("facilities:dashboard"))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(reverse("facilities:dashboard"))
