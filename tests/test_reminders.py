import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from applications.models import Answer, Application
from correspondence.models import SentReminder
from correspondence.reminders import months_before, send_due_reminders
from facilities.models import Enrolment, Facility

from .factories import FacilityFactory, InvoiceFactory, PaymentFactory, enrolment_of

TODAY = date(2027, 3, 15)


def subjects(mailoutbox):
    return sorted(message.subject for message in mailoutbox)


@pytest.mark.django_db
def test_an_invoice_unpaid_30_days_after_issue_is_reminded_once(registered, mailoutbox):
    unpaid = InvoiceFactory(facility=registered.facility, issued_on=TODAY - timedelta(days=30))
    InvoiceFactory(facility=registered.facility, issued_on=TODAY - timedelta(days=29))
    PaymentFactory(invoice=InvoiceFactory(facility=registered.facility, issued_on=TODAY - timedelta(days=60)))

    assert send_due_reminders(TODAY) == 1
    assert send_due_reminders(TODAY) == 0

    (mail,) = mailoutbox
    assert unpaid.number in mail.subject and "€1,800.00" in mail.body
    assert sorted(mail.to) == sorted([registered.rep.email, registered.deputy.email, registered.holder.email])
    assert send_due_reminders(TODAY + timedelta(days=1)) == 1  # the younger invoice's turn


@pytest.mark.django_db
def test_an_award_is_reminded_six_months_and_one_month_before_it_expires(mailoutbox):
    expires = date(2027, 9, 30)
    FacilityFactory(status=Enrolment.Status.ACCREDITED, award_expires_on=expires)
    assert months_before(expires, 6) == date(2027, 3, 30) and months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)

    assert send_due_reminders(date(2027, 3, 29)) == 0
    assert send_due_reminders(date(2027, 3, 30)) == 1
    assert send_due_reminders(date(2027, 5, 1)) == 0
    assert send_due_reminders(date(2027, 8, 30)) == 1
    assert send_due_reminders(date(2027, 9, 29)) == 0
    assert set(SentReminder.objects.values_list("occasion", flat=True)) == {"expires-2027-09-30:6-months", "expires-2027-09-30:1-month"}
    assert all("30 September 2027" in mail.subject for mail in mailoutbox)


@pytest.mark.django_db
def test_an_enrolled_centres_application_idle_for_90_days_is_reminded(enrolled, mailoutbox):
    application = Application.objects.create(
        facility=enrolled.facility, question_set=enrolment_of(enrolled.facility).programme.current_question_set()
    )
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(started_at=now - timedelta(days=200))
    question = application.question_set.standards.first().questions.first()
    answer = Answer.objects.create(application=application, question=question, choice="yes", updated_at=now - timedelta(days=89))

    assert send_due_reminders() == 0
    Answer.objects.filter(pk=answer.pk).update(updated_at=now - timedelta(days=91))
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0
    assert enrolled.member.email in mailoutbox[0].to and "application" in mailoutbox[0].subject


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_a_reminder_once(mailoutbox):
    facility = FacilityFactory()
    InvoiceFactory(facility=facility, issued_on=TODAY - timedelta(days=45))
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(send_due_reminders(TODAY))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and sorted(results) == [0, 1]
    assert len(mailoutbox) == 1 and SentReminder.objects.count() == 1
