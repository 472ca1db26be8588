"""Scheduled jobs handle each item on its own, and e-mail subjects are plain one-line text."""
from datetime import date, timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.models import Programme
from correspondence.models import SentReminder
from correspondence.reminders import send_due_reminders
from correspondence.services import send_message
from facilities.models import Enrolment, Facility
from facilities.services import lapse_expired_awards
from invoicing.models import Invoice, ProgrammeFees
from invoicing.services import issue_annual_fee_invoices

from .conftest import people_of
from .factories import FacilityFactory, InvoiceFactory, UserFactory, enrolment_of

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 15)
REFUSED_ADDRESS = "mailbox-full@hospital.example"


class RefusingBackend(LocmemBackend):
    """Test mail: delivers like locmem, but the mail server refuses one address (as SMTP would)."""

    def send_messages(self, messages):
        for message in messages:
            if REFUSED_ADDRESS in message.recipients():
                raise SMTPRecipientsRefused({REFUSED_ADDRESS: (552, b"Mailbox full")})
        return super().send_messages(messages)


@pytest.fixture
def refusing_mail(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.test_scheduled_jobs.RefusingBackend"
    return mailoutbox


def facility_reaching(address, **fields):
    """A facility whose authorised representative reads ``address``."""
    return FacilityFactory(authorised_representative=UserFactory(email=address), **fields)


def test_a_reminder_that_fails_is_skipped_the_others_go_out_and_it_is_retried(refusing_mail, settings, caplog):
    bad = facility_reaching(REFUSED_ADDRESS)
    good = FacilityFactory()
    bad_invoice = InvoiceFactory(facility=bad, issued_on=TODAY - timedelta(days=40))
    good_invoice = InvoiceFactory(facility=good, issued_on=TODAY - timedelta(days=40))

    assert send_due_reminders(TODAY) == 1

    assert [good_invoice.number in mail.subject for mail in refusing_mail] == [True]
    # The failed reminder's ledger row went back with it, so the next run sends it.
    assert list(SentReminder.objects.values_list("target_id", flat=True)) == [str(good_invoice.pk)]
    assert "failed; the next run tries again" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due_reminders(TODAY) == 1
    assert bad_invoice.number in refusing_mail[-1].subject and send_due_reminders(TODAY) == 0


def test_the_annual_fee_run_bills_every_other_centre_when_one_fails_and_retries_it(refusing_mail, settings, caplog):
    year = timezone.localdate().year
    first = FacilityFactory(status=Enrolment.Status.ENROLLED)
    unreachable = facility_reaching(REFUSED_ADDRESS, status=Enrolment.Status.ENROLLED)
    unpriced = FacilityFactory(status=Enrolment.Status.ENROLLED, programme=Programme.objects.get(code="srs"))
    last = FacilityFactory(status=Enrolment.Status.ACCREDITED)
    ProgrammeFees.objects.filter(programme__code="srs").delete()  # a programme whose fees the office has not set yet

    issued = issue_annual_fee_invoices(year)

    assert {invoice.facility for invoice in issued} == {first, last}
    assert not Invoice.objects.filter(facility__in=[unreachable, unpriced]).exists()
    # The refused centre's invoice and its number went back: numbering stays without gaps.
    assert [i.number for i in Invoice.objects.order_by("sequence")] == [f"{year}-00001", f"{year}-00002"]
    assert "could not be billed" in caplog.text and "No fees configured" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert [invoice.facility for invoice in issue_annual_fee_invoices(year)] == [unreachable]
    assert Invoice.objects.get(facility=unreachable).number == f"{year}-00003"


@pytest.fixture
def facility_the_database_refuses_to_change():
    """A PostgreSQL trigger refuses any update of one facility's enrolment row, as a broken row would."""

    def refuse(facility):
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION refuse_facility_update() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'facility row refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_facility_update BEFORE UPDATE ON facilities_enrolment FOR EACH ROW "
                f"WHEN (OLD.facility_id = {int(facility.pk)}) EXECUTE FUNCTION refuse_facility_update()"
            )

    def repair():
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_facility_update ON facilities_enrolment")

    return refuse, repair


def test_lapsing_awards_skips_a_facility_that_fails_and_lapses_it_next_run(facility_the_database_refuses_to_change, caplog):
    refuse, repair = facility_the_database_refuses_to_change
    expired = {"status": Enrolment.Status.ACCREDITED, "award_expires_on": TODAY - timedelta(days=1)}
    broken, other = FacilityFactory(**expired), FacilityFactory(**expired)
    refuse(broken)

    assert [enrolment.facility_id for enrolment in lapse_expired_awards(TODAY)] == [other.pk]

    assert (enrolment_of(broken).status, enrolment_of(other).status) == (Enrolment.Status.ACCREDITED, Enrolment.Status.ENROLLED)
    assert not broken.audit_entries.filter(action__startswith="enrolment.status").exists()
    assert "could not lapse" in caplog.text
    repair()
    assert [enrolment.facility_id for enrolment in lapse_expired_awards(TODAY)] == [broken.pk]


def test_e_mail_subjects_are_plain_text_on_one_line(client, mailoutbox, django_capture_on_commit_callbacks):
    people = people_of(FacilityFactory(name="O'Brien & Co <Liver>", status=Enrolment.Status.ENROLLED))
    client.force_login(people.member)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("correspondence:messages"), {"body": "A question about the manual."})

    (mail,) = mailoutbox
    assert mail.subject.endswith("New message from O'Brien & Co <Liver>")
    assert "O'Brien & Co <Liver>" in mail.body


def test_a_name_stored_with_line_breaks_still_gives_a_one_line_subject(mailoutbox, django_capture_on_commit_callbacks):
    """Names saved before forms refused control characters must not split a header."""
    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    Facility.objects.filter(pk=facility.pk).update(name="Line one\r\nBcc: someone\x07else")
    facility.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        send_message(facility, facility.main_account_holder, "Hello")

    assert [mail.subject.endswith("New message from Line one Bcc: someone else") for mail in mailoutbox] == [True]
