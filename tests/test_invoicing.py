import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from facilities.models import Enrolment, Facility
from invoicing import services
from invoicing.models import Invoice, ProgrammeFees

from .factories import FacilityFactory, InvoiceFactory, PaymentFactory, enrolment_of
from .test_registration import registration_data

pytestmark = pytest.mark.django_db


def test_registration_issues_the_enrolment_and_annual_fee_invoices_with_their_pdfs(
    client, django_capture_on_commit_callbacks, pdf_of
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("register_facility"), registration_data())

    facility = Facility.objects.get()
    year = timezone.localdate().year
    enrolment, annual = Invoice.objects.filter(facility=facility).order_by("sequence")
    assert (enrolment.number, annual.number) == (f"{year}-00001", f"{year}-00002")
    assert enrolment.kind == Invoice.Kind.ENROLMENT and annual.kind == Invoice.Kind.ANNUAL and annual.fee_year == year
    # The IO programme's shipped fees: EUR 1,500 enrolment and EUR 500 a year, plus 20% tax.
    assert (enrolment.total, annual.total) == (Decimal("1800.00"), Decimal("600.00"))
    assert enrolment.bill_to_name == "Liver Tumour Unit" and "Dublin" in enrolment.bill_to_address
    text = pdf_of(default_storage.open(enrolment.pdf.name).read())
    assert enrolment.number in text and "Liver Tumour Unit" in text and "€1,800.00" in text
    assert "Quote the invoice number" in text


def test_fees_are_the_programmes_data_and_an_issued_invoice_keeps_its_copy(client, registered):
    fees = ProgrammeFees.objects.get(programme__code="io")
    invoice = services.issue_registration_invoices(enrolment_of(registered.facility))[0]
    fees.enrolment_fee = Decimal("9999.00")
    fees.save()
    registered.facility.name = "Renamed Unit"
    registered.facility.save()

    invoice.refresh_from_db()
    assert invoice.total == Decimal("1800.00") and invoice.bill_to_name != "Renamed Unit"
    with pytest.raises(ValueError, match="never changes"):
        invoice.save()
    assert services.issue_registration_invoices(enrolment_of(FacilityFactory()))[0].total == Decimal("11998.80")


def test_the_invoice_roles_list_and_download_their_invoices_and_others_cannot(client, registered, pdf_of):
    invoice = InvoiceFactory(facility=registered.facility)
    other = InvoiceFactory(facility=FacilityFactory(name="Elsewhere Unit"))
    for person in (registered.rep, registered.deputy, registered.holder):
        client.force_login(person)
        page = client.get(reverse("invoicing:invoices")).content.decode()
        assert reverse("invoicing:invoices") in client.get(reverse("facilities:dashboard")).content.decode()
        assert invoice.number in page and other.number not in page and "€1,800.00" in page
        response = client.get(reverse("invoicing:invoice_pdf", args=[invoice.pk]))
        assert response["Content-Type"] == "application/pdf"
        assert invoice.number in pdf_of(response)
        assert client.get(reverse("invoicing:invoice_pdf", args=[other.pk])).status_code == 404
    client.force_login(registered.member)
    assert client.get(reverse("invoicing:invoices")).status_code == 403
    assert client.get(reverse("invoicing:invoice_pdf", args=[invoice.pk])).status_code == 403
    assert reverse("invoicing:invoices") not in client.get(reverse("facilities:dashboard")).content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_the_invoices_page_takes_a_fixed_number_of_queries(client, registered, django_assert_max_num_queries, count):
    for _ in range(count):
        PaymentFactory(invoice=InvoiceFactory(facility=registered.facility), amount=Decimal("100.00"))
    client.force_login(registered.rep)
    with django_assert_max_num_queries(9):
        page = client.get(reverse("invoicing:invoices"))
    assert page.content.decode().count("€1,700.00") == count


def test_a_partial_payment_leaves_the_invoice_open_with_the_amount_outstanding(client, office_user, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    client.force_login(office_user)
    client.post(
        reverse("invoicing:record_payment", args=[invoice.pk]),
        {"paid_on": timezone.localdate(), "amount": "800.00", "reference": "PART-1", "confirmed": "1",
         "submission_token": uuid.uuid4()},
    )
    registered.facility.refresh_from_db()
    assert enrolment_of(registered.facility).status == Enrolment.Status.REGISTERED
    page = client.get(reverse("invoicing:office_invoice", args=[invoice.pk])).content.decode()
    assert "Partly paid" in page and "€1,000.00" in page and "PART-1" in page
    client.force_login(registered.holder)
    assert "€1,000.00" in client.get(reverse("invoicing:invoices")).content.decode()


def test_paying_more_than_is_outstanding_is_refused(client, office_user, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    client.force_login(office_user)
    response = client.post(
        reverse("invoicing:record_payment", args=[invoice.pk]),
        {"paid_on": timezone.localdate(), "amount": "1800.01", "reference": "X", "confirmed": "1",
         "submission_token": uuid.uuid4()},
    )
    assert response.status_code == 200 and "Only €1,800.00 is outstanding" in response.content.decode()
    assert not invoice.payments.exists()


def test_the_office_issues_a_credit_note_and_a_corrected_invoice_after_confirming(
    client, office_user, registered, django_capture_on_commit_callbacks, pdf_of
):
    invoice = InvoiceFactory(facility=registered.facility)
    registered.facility.name = "Corrected Name Unit"
    registered.facility.save()
    client.force_login(office_user)
    url = reverse("invoicing:issue_credit_note", args=[invoice.pk])
    form = {"reason": "Wrong facility name", "reissue": "on"}

    assert "cannot be changed or withdrawn" in client.post(url, form).content.decode()
    assert Invoice.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**form, "confirmed": "1"})

    credit_note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    corrected = Invoice.objects.get(replaces=invoice)
    assert credit_note.credited_invoice == invoice and credit_note.total == Decimal("-1800.00")
    assert corrected.bill_to_name == "Corrected Name Unit" and corrected.total == invoice.total
    assert [credit_note.sequence, corrected.sequence] == [invoice.sequence + 1, invoice.sequence + 2]
    assert invoice.number in pdf_of(default_storage.open(credit_note.pdf.name).read())
    original = Invoice.objects.with_balance().get(pk=invoice.pk)
    assert original.outstanding() == 0
    second = client.post(url, {**form, "confirmed": "1"})
    assert "already has a credit note" in second.content.decode() and Invoice.objects.count() == 3


def test_the_annual_fee_run_bills_enrolled_and_accredited_centres_once_a_year():
    enrolled = FacilityFactory(status=Enrolment.Status.ENROLLED)
    accredited = FacilityFactory(status=Enrolment.Status.ACCREDITED)
    registered = FacilityFactory()
    year = timezone.localdate().year

    first = services.issue_annual_fee_invoices()
    again = services.issue_annual_fee_invoices()

    assert {invoice.facility for invoice in first} == {enrolled, accredited} and again == []
    assert not registered.invoices.exists()
    assert {i.fee_year for i in Invoice.objects.all()} == {year}
    assert [i.number for i in Invoice.objects.order_by("sequence")] == [f"{year}-00001", f"{year}-00002"]
    assert len(services.issue_annual_fee_invoices(year + 1)) == 2


def test_the_annual_fee_billed_at_registration_is_not_billed_again(client):
    client.post(reverse("register_facility"), registration_data())
    facility = Facility.objects.get()
    Enrolment.objects.filter(facility=facility).update(status=Enrolment.Status.ENROLLED)
    assert services.issue_annual_fee_invoices() == []


def test_the_annual_fee_is_e_mailed_to_the_invoice_roles(registered, mailoutbox, django_capture_on_commit_callbacks):
    Enrolment.objects.filter(facility=registered.facility).update(status=Enrolment.Status.ENROLLED)
    with django_capture_on_commit_callbacks(execute=True):
        (invoice,) = services.issue_annual_fee_invoices(date.today().year)
    assert {address for m in mailoutbox for address in m.to} == {registered.rep.email, registered.deputy.email, registered.holder.email}
    assert invoice.number in mailoutbox[0].subject


def test_the_enrolled_centre_logo_is_only_for_enrolled_centres(client, registered, enrolled):
    client.force_login(enrolled.member)
    response = client.get(reverse("correspondence:enrolled_logo"))
    assert response.status_code == 200 and b"ENROLLED" in b"".join(response.streaming_content)
    assert reverse("correspondence:enrolled_logo") in client.get(reverse("correspondence:documents")).content.decode()
    client.force_login(registered.rep)
    assert client.get(reverse("correspondence:enrolled_logo")).status_code == 403
    assert reverse("correspondence:enrolled_logo") not in client.get(reverse("correspondence:documents")).content.decode()
