"""Reminders sent by Celery beat: a registry of kinds, and the sender that sends each exactly once per occasion.

A kind is a function ``due(today)`` yielding ``Due`` items: the object it is about, the occasion
(a string naming which reminder of that object this is, e.g. "expires-2027-03-01:1-month"), the
recipients and the e-mail's context. Register it with ``@reminder_kind("name")`` and add the
e-mail templates ``email/reminder_<name>_subject.txt`` and ``_body.txt``. The ledger
(models.SentReminder) does the rest: the same (kind, object, occasion) is never sent twice.

Kinds about other apps' deadlines live in their own module here, imported from CorrespondenceConfig.ready:
assessment_reminders.py adds ``reply_due`` and ``corrective_action_plan_due``.
"""
import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from applications.models import Answer, Application
from facilities.models import AWARDED_STATUSES, Enrolment
from facilities.services import send_portal_mail
from invoicing.models import Invoice, paid_total

from .models import SentReminder

logger = logging.getLogger(__name__)

REMINDER_KINDS = {}


@dataclass
class Due:
    target: object
    occasion: str
    recipients: list
    context: dict = field(default_factory=dict)


def reminder_kind(name):
    def register(function):
        REMINDER_KINDS[name] = function
        return function

    return register


def send_due_reminders(today=None):
    """Send every due reminder not sent before; returns how many went out.

    The ledger row is inserted before the e-mail, in the same transaction: a concurrent run waits on
    the row and then skips it, and a failed e-mail rolls the row back so the next run retries. One
    reminder that fails is logged and skipped; the others still go out.
    """
    today = today or timezone.localdate()
    sent = 0
    for name, due in REMINDER_KINDS.items():
        try:
            items = list(due(today))
        except Exception:
            logger.exception("Reminders of kind %s could not be collected; the next run tries again.", name)
            continue
        for item in items:
            if not item.recipients:
                continue
            try:
                with transaction.atomic():
                    SentReminder.objects.create(
                        kind=name,
                        target_type=item.target._meta.label_lower,
                        target_id=str(item.target.pk),
                        occasion=item.occasion,
                        recipients=item.recipients,
                    )
                    send_portal_mail(f"reminder_{name}", item.recipients, {**item.context, "portal_url": settings.PORTAL_URL})
            except IntegrityError:
                continue  # sent before, or being sent by another run right now
            except Exception:
                logger.exception("Reminder %s for %r (%s) failed; the next run tries again.", name, item.target, item.occasion)
                continue
            sent += 1
    return sent


def months_before(day, months):
    """The same day of the month ``months`` earlier (that month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def invoice_people(facility):
    people = (facility.authorised_representative, facility.deputy_representative, facility.main_account_holder)
    return sorted({p.email for p in people if p})  # a role is empty until its appointee takes it up


def staff_of(facility):
    return sorted(facility.memberships.values_list("user__email", flat=True))


# Reminders cross tenants on purpose: they look at every facility.
FACILITY_PEOPLE = ("authorised_representative", "deputy_representative", "main_account_holder")

UNPAID_AFTER_DAYS = 30


@reminder_kind("invoice_unpaid")
def unpaid_invoices(today):
    """An invoice still (partly) unpaid 30 days after it was issued, not cancelled by a credit note."""
    invoices = (
        Invoice.objects.exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .filter(issued_on__lte=today - timedelta(days=UNPAID_AFTER_DAYS), credit_note__isnull=True)
        .annotate(paid_amount=paid_total())
        .select_related(*(f"facility__{person}" for person in FACILITY_PEOPLE))
    )
    for invoice in invoices:
        if invoice.paid_amount < invoice.total:
            outstanding = invoice.total - invoice.paid_amount
            yield Due(invoice, f"{UNPAID_AFTER_DAYS}-days", invoice_people(invoice.facility),
                      {"invoice": invoice, "facility": invoice.facility, "outstanding": outstanding})


AWARD_REMINDERS = [(6, "6-months"), (1, "1-month")]


@reminder_kind("award_expiring")
def expiring_awards(today):
    """Six months and one month before an award expires; only the latest reminder reached goes out."""
    enrolments = Enrolment.objects.filter(
        status__in=AWARDED_STATUSES,
        award_expires_on__gt=today,
        award_expires_on__lte=today + timedelta(days=186),  # six months at most; the exact day is checked below
    ).select_related("programme", *(f"facility__{person}" for person in FACILITY_PEOPLE))
    for enrolment in enrolments:
        expires = enrolment.award_expires_on
        reached = [label for months, label in AWARD_REMINDERS if today >= months_before(expires, months)]
        if reached:
            yield Due(enrolment, f"expires-{expires.isoformat()}:{reached[-1]}", invoice_people(enrolment.facility),
                      {"facility": enrolment.facility, "programme": enrolment.programme, "expires_on": expires})


IDLE_AFTER_DAYS = 90


@reminder_kind("application_idle")
def idle_applications(today):
    """An enrolled centre's application in preparation with no saved answer for 90 days."""
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=IDLE_AFTER_DAYS), time.min))
    last_answer = Answer.objects.filter(application=OuterRef("pk")).order_by().values("application").annotate(m=Max("updated_at")).values("m")
    applications = (
        Application.objects.filter(status=Application.Status.DRAFT, enrolment__status=Enrolment.Status.ENROLLED)
        .annotate(last_activity=Greatest("started_at", Coalesce(Subquery(last_answer), "started_at")))
        .filter(last_activity__lt=cutoff)
        .select_related("facility")
    )
    for application in applications:
        idle_since = timezone.localdate(application.last_activity)
        yield Due(application, f"idle-since-{idle_since.isoformat()}", staff_of(application.facility),
                  {"application": application, "facility": application.facility, "idle_since": idle_since})
