"""The assessment's deadlines as reminder kinds of correspondence.reminders (sent once per occasion by its ledger).

They live here rather than in assessment, which sits below correspondence and does not import it.
"""
from datetime import timedelta

from applications.notifications import recipients
from applications.workflow import Status
from assessment.models import Decision, Round
from assessment.services import denials_awaiting_on_site_audit

from .reminders import Due, invoice_people, reminder_kind, staff_of

REPLY_REMINDER_DAYS = 3
PLAN_REMINDERS = [(30, "30-days"), (7, "7-days")]
ON_SITE_AUDIT_REMINDERS = [(7, "1-week"), (28, "4-weeks")]


@reminder_kind("reply_due")
def replies_due(today):
    """Three days before the replies to a clarification request are due, while the facility is still replying."""
    rounds = Round.objects.filter(
        application__status=Status.CLARIFICATION_REQUESTED,
        resubmitted_at__isnull=True,
        reply_due__isnull=False,
        reply_due__lte=today + timedelta(days=REPLY_REMINDER_DAYS),
        reply_due__gte=today,
    ).select_related("application__facility", "application__enrolment__programme")
    for round_ in rounds:
        facility = round_.application.facility
        yield Due(round_, f"due-{round_.reply_due.isoformat()}:{REPLY_REMINDER_DAYS}-days", staff_of(facility),
                  {"facility": facility, "round": round_, "reply_due": round_.reply_due})


@reminder_kind("corrective_action_plan_due")
def plans_due(today):
    """30 and 7 days before a corrective action plan is due, while none has been submitted since the decision."""
    decisions = Decision.objects.filter(
        application__status__in=[Status.DEFERRED, Status.DENIED],
        plan_due__isnull=False,
        plan_due__gte=today,
        plan_due__lte=today + timedelta(days=PLAN_REMINDERS[0][0]),
        action_plans__isnull=True,
    ).select_related(
        "application__facility__authorised_representative",
        "application__facility__deputy_representative",
        "application__facility__main_account_holder",
        "application__enrolment__programme",
    )
    for decision in decisions:
        reached = [label for days, label in PLAN_REMINDERS if today >= decision.plan_due - timedelta(days=days)]
        facility = decision.application.facility
        yield Due(decision, f"due-{decision.plan_due.isoformat()}:{reached[-1]}", invoice_people(facility),
                  {"facility": facility, "decision": decision, "plan_due": decision.plan_due})


@reminder_kind("on_site_audit_due")
def on_site_audits_due(today):
    """The office, one and four weeks after a denial while no on-site audit has been scheduled after it; only the
    latest reminder reached goes out."""
    denials = denials_awaiting_on_site_audit().filter(
        decided_on__lte=today - timedelta(days=ON_SITE_AUDIT_REMINDERS[0][0])
    ).select_related("application__facility")
    for denial in denials:
        reached = [label for days, label in ON_SITE_AUDIT_REMINDERS if today >= denial.decided_on + timedelta(days=days)]
        application = denial.application
        yield Due(denial, f"denied-{denial.decided_on.isoformat()}:{reached[-1]}", recipients("office", application),
                  {"application": application, "facility": application.facility, "decision": denial})
