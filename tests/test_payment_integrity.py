"""Money keeps its integrity: one payment per posted form and per bank reference, settled only by payments
that add up to the total, enrolment only by a settled enrolment invoice, and payment dates bounded."""
import re
import threading
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from facilities.models import AuditEntry, Enrolment, Facility
from invoicing import services
from invoicing.models import Invoice, Payment

from .factories import FacilityFactory, InvoiceFactory, OfficeUserFactory, PaymentFactory, issued_invoice, enrolment_of

pytestmark = pytest.mark.django_db


def rendered_token(client, invoice):
    """The one-time token of the payment form as the office's browser receives it."""
    page = client.get(reverse("invoicing:record_payment", args=[invoice.pk])).content.decode()
    return re.search(r'name="submission_token" value="([0-9a-f-]{36})"', page).group(1)


def confirmed_payment(token, amount="1800.00", reference="BANK-4411", paid_on=None):
    return {"paid_on": paid_on or timezone.localdate(), "amount": amount, "reference": reference,
            "submission_token": token, "confirmed": "1"}


def record(invoice, amount, reference, paid_on=None):
    return services.record_payment(
        invoice, OfficeUserFactory(), paid_on=paid_on or timezone.localdate(), amount=Decimal(amount), reference=reference
    )


def facility_status(facility):
    return enrolment_of(facility).status


def test_the_same_bank_reference_twice_on_one_invoice_is_refused_next_to_the_field(client, office_user, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    record(invoice, "1000.00", "BANK-77")
    client.force_login(office_user)

    response = client.post(
        reverse("invoicing:record_payment", args=[invoice.pk]),
        confirmed_payment(rendered_token(client, invoice), amount="800.00", reference="  bank-77 "),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_reference_error"><p>A payment with the reference BANK-77 is already recorded', page)
    assert invoice.payments.count() == 1 and facility_status(registered.facility) == Enrolment.Status.REGISTERED
    with pytest.raises(ValidationError, match="already recorded"):
        record(invoice, "800.00", "Bank-77")
    # The same reference on another invoice is another payment.
    assert record(InvoiceFactory(facility=registered.facility), "100.00", "BANK-77").reference == "BANK-77"


def test_the_database_refuses_a_second_payment_with_the_same_reference_on_one_invoice(registered):
    payment = PaymentFactory(invoice=InvoiceFactory(facility=registered.facility), amount=Decimal("1.00"), reference="Ref-9")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(invoice=payment.invoice, amount=Decimal("1.00"), reference=" REF-9 ")


def test_a_confirmation_posted_twice_records_one_payment_and_answers_with_it(
    client, office_user, registered, django_capture_on_commit_callbacks
):
    invoice = InvoiceFactory(facility=registered.facility)
    client.force_login(office_user)
    url = reverse("invoicing:record_payment", args=[invoice.pk])
    token = rendered_token(client, invoice)
    confirmation = client.post(url, {**confirmed_payment(token), "confirmed": ""}).content.decode()
    assert f'name="submission_token" value="{token}"' in confirmation

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, confirmed_payment(token))
        again = client.post(url, confirmed_payment(token), follow=True)  # a double click, or a retry after a timeout

    assert first.status_code == 302 and again.redirect_chain == [(reverse("invoicing:office_invoice", args=[invoice.pk]), 302)]
    assert "recorded already" in again.content.decode() and "BANK-4411" in again.content.decode()
    assert Payment.objects.count() == 1 and AuditEntry.objects.filter(action="invoice.payment_recorded").count() == 1
    assert AuditEntry.objects.filter(action="enrolment.status.enrolled").count() == 1
    # Back to the confirmation page and on, after the payment settled the invoice: still the one payment.
    assert client.post(url, {**confirmed_payment(token), "confirmed": ""}).status_code == 302
    assert Payment.objects.count() == 1


def test_the_service_records_one_payment_per_submission_token(registered):
    invoice = InvoiceFactory(facility=registered.facility)
    office = OfficeUserFactory()
    token = "0b9f7c56-3f0e-4a55-9c3b-6f1c2b7d1e01"
    data = {"paid_on": timezone.localdate(), "amount": Decimal("500.00"), "reference": "BANK-1", "submission_token": token}
    first = services.record_payment(invoice, office, **data)
    assert services.record_payment(invoice, office, **data) == first
    with pytest.raises(ValidationError, match="another invoice"):
        services.record_payment(InvoiceFactory(facility=registered.facility), office, **data)
    assert Payment.objects.count() == 1


def test_a_post_without_a_valid_form_token_records_nothing_and_offers_a_fresh_form(client, office_user, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    client.force_login(office_user)
    response = client.post(
        reverse("invoicing:record_payment", args=[invoice.pk]), {**confirmed_payment("not-a-token"), "submission_token": "x"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "This form was out of date" in page
    assert re.search(r'name="submission_token" value="[0-9a-f-]{36}"', page) and not Payment.objects.exists()


POSTS = 6


def at_once(*calls):
    """Run each call in its own thread, with its own database connection, all at the same moment."""
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(n, call):
        try:
            start.wait()
            outcomes[n] = call()
        except Exception as error:  # the caller asserts on it
            outcomes[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def post_at_once(invoice, forms):
    """Post each form from its own browser session, all at the same moment."""
    office = OfficeUserFactory()
    browsers = [Client() for _ in forms]
    for browser in browsers:
        browser.force_login(office)
    url = reverse("invoicing:record_payment", args=[invoice.pk])
    responses = at_once(*(partial(browser.post, url, form) for browser, form in zip(browsers, forms)))
    assert [response for response in responses if isinstance(response, Exception)] == []
    return responses


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_confirmation_record_one_payment():
    facility = FacilityFactory()
    invoice = InvoiceFactory(facility=facility)
    client = Client()
    client.force_login(OfficeUserFactory())

    responses = post_at_once(invoice, [confirmed_payment(rendered_token(client, invoice))] * POSTS)

    # Every post answers with the one recorded payment: no error page, no second row.
    assert [response.status_code for response in responses] == [302] * POSTS
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert AuditEntry.objects.filter(action="invoice.payment_recorded").count() == 1
    assert AuditEntry.objects.filter(action="enrolment.status.enrolled").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_payment_confirmed_in_several_tabs_at_once_is_recorded_once():
    invoice = InvoiceFactory(facility=FacilityFactory())
    client = Client()
    client.force_login(OfficeUserFactory())
    tabs = [confirmed_payment(rendered_token(client, invoice), amount="900.00") for _ in range(POSTS)]

    responses = post_at_once(invoice, tabs)

    assert Payment.objects.filter(invoice=invoice).count() == 1
    refused = [response for response in responses if response.status_code == 200]
    assert len(refused) == POSTS - 1
    assert all("already recorded on this invoice" in response.content.decode() for response in refused)


def test_partial_payments_leave_the_facility_registered_and_the_final_one_enrols_it(client, office_user, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    client.force_login(office_user)
    url = reverse("invoicing:record_payment", args=[invoice.pk])

    client.post(url, confirmed_payment(rendered_token(client, invoice), amount="1000.00", reference="PART-1"))
    assert facility_status(registered.facility) == Enrolment.Status.REGISTERED
    assert not Invoice.objects.with_balance().get(pk=invoice.pk).is_settled()
    assert "Partly paid" in client.get(reverse("invoicing:office_invoice", args=[invoice.pk])).content.decode()

    client.post(url, confirmed_payment(rendered_token(client, invoice), amount="800.00", reference="PART-2"))
    assert facility_status(registered.facility) == Enrolment.Status.ENROLLED
    assert Invoice.objects.with_balance().get(pk=invoice.pk).is_settled()


def test_a_cancelled_enrolment_invoice_is_not_settled_and_nothing_enrols_the_facility(office_user, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    services.issue_credit_note(invoice, office_user, reason="Billed in error")
    cancelled = Invoice.objects.with_balance().get(pk=invoice.pk)
    assert cancelled.outstanding() == 0 and not cancelled.is_settled()

    for amount in ("0.00", "-10.00", "1800.00"):
        with pytest.raises(ValidationError):
            record(invoice, amount, f"REF{amount}")
    assert facility_status(registered.facility) == Enrolment.Status.REGISTERED and not Payment.objects.exists()


def test_no_amount_below_a_cent_is_a_payment(registered):
    invoice = InvoiceFactory(facility=registered.facility)
    for amount in ("0.00", "-1800.00"):
        with pytest.raises(ValidationError, match="more than zero"):
            record(invoice, amount, f"REF{amount}")
    assert not Payment.objects.exists()


def test_only_a_settled_enrolment_invoice_enrols(office_user, registered):
    annual = InvoiceFactory(facility=registered.facility, kind=Invoice.Kind.ANNUAL, amount="500.00")
    record(annual, "600.00", "ANNUAL-1")
    assert facility_status(registered.facility) == Enrolment.Status.REGISTERED

    original = InvoiceFactory(facility=registered.facility)
    _, corrected = services.issue_credit_note(original, office_user, reason="Wrong address", reissue=True)
    record(corrected, "1800.00", "BANK-9")
    assert facility_status(registered.facility) == Enrolment.Status.ENROLLED


def test_a_payment_dated_before_the_invoice_was_issued_is_refused_next_to_the_date(client, office_user, registered):
    issued_on = timezone.localdate() - timedelta(days=10)
    invoice = issued_invoice(registered.facility, issued_on=issued_on)
    client.force_login(office_user)

    response = client.post(
        reverse("invoicing:record_payment", args=[invoice.pk]),
        confirmed_payment(rendered_token(client, invoice), paid_on=issued_on - timedelta(days=1)),
    )

    assert response.status_code == 200
    assert re.search(r'id="id_paid_on_error"><p>The invoice was issued on [^<]*; a payment against it cannot be older',
                     response.content.decode())
    with pytest.raises(ValidationError, match="cannot be older"):
        record(invoice, "1800.00", "BANK-1", paid_on=issued_on - timedelta(days=1))
    with pytest.raises(ValidationError, match="in the future"):
        record(invoice, "1800.00", "BANK-1", paid_on=timezone.localdate() + timedelta(days=1))
    assert not Payment.objects.exists() and facility_status(registered.facility) == Enrolment.Status.REGISTERED
    assert record(invoice, "1800.00", "BANK-1", paid_on=issued_on).paid_on == issued_on


def test_a_facility_is_billed_its_enrolment_fee_once(registered):
    services.issue_registration_invoices(enrolment_of(registered.facility))
    with pytest.raises(ValidationError, match="billed its enrolment fee for .* already"):
        services.issue_registration_invoices(enrolment_of(registered.facility))
    assert registered.facility.invoices.filter(kind=Invoice.Kind.ENROLMENT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_registration_invoices_issued_twice_at_once_bill_the_enrolment_fee_once():
    facility = FacilityFactory()

    outcomes = at_once(*[partial(services.issue_registration_invoices, enrolment_of(facility))] * 2)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ValidationError", "list"]
    assert facility.invoices.filter(kind=Invoice.Kind.ENROLMENT).count() == 1


def test_a_payment_needs_a_bank_reference(registered):
    with pytest.raises(ValidationError, match="reference"):
        record(InvoiceFactory(facility=registered.facility), "100.00", "   ")
    assert not Payment.objects.exists()
