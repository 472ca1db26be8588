"""The whole life of an application after it is started, as one state machine.

    draft ──submit (authorised representative)──> submitted
    submitted ──assign_assessors (office)──> under_review                      round 1 opens
    under_review ──request_clarification (round closes)──> clarification_requested
    clarification_requested ──resubmit (authorised representative)──> under_review      round 2 opens
    under_review ──require_remote_audit (the last round closes, its pathway has a remote audit that applies)──>
        remote_audit_required
    remote_audit_required ──schedule_remote_audit (office)──> remote_audit_scheduled
    remote_audit_scheduled ──record_remote_audit (office)──> recommendation
    under_review ──call_for_recommendations (round closes, nothing unclear or no remote audit)──> recommendation
    recommendation ──await_decision (both assessors recommended)──> awaiting_decision
    awaiting_decision ──approve / defer / deny (chairperson, once the pathway's required steps have an outcome)──>
        approved / deferred / denied
    deferred, denied ──submit_action_plan (authorised representative)──> plan_review
    plan_review ──request_plan_evidence (an assessor)──> plan_evidence_requested
    plan_evidence_requested ──submit_action_plan (authorised representative)──> plan_review
    plan_review ──call_for_recommendations (both assessors accept the plan)──> recommendation

How many rounds there are and whether a remote audit follows them is the application's pathway
(``steps.next_after_round``); the steps an expert holds beside the review (a site visit, a dosimetry
audit, a remote clinician review) have records of their own (steps.py) and gate the decision.

Each transition below is guarded by who may take it (``permission``). ``advance`` is the only
function that moves an application: it checks the guard, moves, records who and when in the
timeline, and sends the transition's e-mails after the commit.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django_fsm import FSMField, can_proceed, has_transition_perm, transition


class Status(models.TextChoices):
    DRAFT = "draft", _l("In preparation")
    SUBMITTED = "submitted", _l("Submitted, awaiting assessors")
    UNDER_REVIEW = "under_review", _l("Under review")
    CLARIFICATION_REQUESTED = "clarification_requested", _l("Clarification requested")
    REMOTE_AUDIT_REQUIRED = "remote_audit_required", _l("Remote audit to be scheduled")
    REMOTE_AUDIT_SCHEDULED = "remote_audit_scheduled", _l("Remote audit scheduled")
    RECOMMENDATION = "recommendation", _l("Awaiting the assessors' recommendations")
    AWAITING_DECISION = "awaiting_decision", _l("Awaiting the chairperson's decision")
    APPROVED = "approved", _l("Approved")
    DEFERRED = "deferred", _l("Deferred")
    DENIED = "denied", _l("Denied")
    PLAN_REVIEW = "plan_review", _l("Corrective action plan under review")
    PLAN_EVIDENCE_REQUESTED = "plan_evidence_requested", _l("Evidence of the plan's implementation requested")


# Who may take a transition: (application, user) predicates.
def _is_authorised_representative(application, user):
    return user.pk == application.facility.authorised_representative_id


def _is_office(application, user):
    return user.is_office


def _is_chairperson(application, user):
    return user.is_chairperson


def _is_assigned_assessor(application, user):
    from .permissions import is_assigned

    return is_assigned(user, application)


def _required_steps_recorded(application):
    from . import extensions

    return extensions.required_steps_recorded(application)


def _is_system(application, user):
    """Moves that follow from the assessors' work (a round closing); taken on behalf of the assessor."""
    return _is_assigned_assessor(application, user) or user.is_office


class AssessmentWorkflow(models.Model):
    """The status field and its transitions; mixed into applications.Application."""

    status = FSMField(default=Status.DRAFT, choices=Status.choices, db_index=True)

    class Meta:
        abstract = True

    @cached_property
    def last_step(self):
        """The latest move of the workflow (who took it and when), or None before the first."""
        return self.workflow_events.select_related("actor").order_by("-created_at", "-pk").first()

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED, permission=_is_authorised_representative)
    def submit(self):
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.UNDER_REVIEW, permission=_is_office)
    def assign_assessors(self):
        pass

    @transition(field=status, source=Status.UNDER_REVIEW, target=Status.CLARIFICATION_REQUESTED, permission=_is_system)
    def request_clarification(self):
        pass

    @transition(
        field=status, source=Status.CLARIFICATION_REQUESTED, target=Status.UNDER_REVIEW,
        permission=_is_authorised_representative,
    )
    def resubmit(self):
        pass

    @transition(field=status, source=Status.UNDER_REVIEW, target=Status.REMOTE_AUDIT_REQUIRED, permission=_is_system)
    def require_remote_audit(self):
        pass

    @transition(
        field=status, source=Status.REMOTE_AUDIT_REQUIRED, target=Status.REMOTE_AUDIT_SCHEDULED, permission=_is_office
    )
    def schedule_remote_audit(self):
        pass

    @transition(field=status, source=Status.REMOTE_AUDIT_SCHEDULED, target=Status.RECOMMENDATION, permission=_is_office)
    def record_remote_audit(self):
        pass

    @transition(
        field=status, source=[Status.UNDER_REVIEW, Status.PLAN_REVIEW], target=Status.RECOMMENDATION,
        permission=_is_system,
    )
    def call_for_recommendations(self):
        pass

    @transition(field=status, source=Status.RECOMMENDATION, target=Status.AWAITING_DECISION, permission=_is_system)
    def await_decision(self):
        pass

    @transition(field=status, source=Status.AWAITING_DECISION, target=Status.APPROVED, permission=_is_chairperson,
                conditions=[_required_steps_recorded])
    def approve(self):
        pass

    @transition(field=status, source=Status.AWAITING_DECISION, target=Status.DEFERRED, permission=_is_chairperson,
                conditions=[_required_steps_recorded])
    def defer(self):
        pass

    @transition(field=status, source=Status.AWAITING_DECISION, target=Status.DENIED, permission=_is_chairperson,
                conditions=[_required_steps_recorded])
    def deny(self):
        pass

    @transition(
        field=status, source=[Status.DEFERRED, Status.DENIED, Status.PLAN_EVIDENCE_REQUESTED],
        target=Status.PLAN_REVIEW, permission=_is_authorised_representative,
    )
    def submit_action_plan(self):
        pass

    @transition(
        field=status, source=Status.PLAN_REVIEW, target=Status.PLAN_EVIDENCE_REQUESTED, permission=_is_assigned_assessor
    )
    def request_plan_evidence(self):
        pass


# Who hears of each move: transition name -> (e-mail template, audience).
# Audiences: "facility" (all its staff), "assessors" (the assigned two), "office", "chair".
NOTIFICATIONS = {
    "submit": ("application_submitted", ["office"]),
    "assign_assessors": ("assessors_assigned", ["assessors", "facility"]),
    "request_clarification": ("clarification_requested", ["facility", "office"]),
    "resubmit": ("application_resubmitted", ["assessors", "office"]),
    "require_remote_audit": ("remote_audit_required", ["office", "facility"]),
    "schedule_remote_audit": ("remote_audit_scheduled", ["facility", "assessors"]),
    "record_remote_audit": ("recommendations_due", ["assessors"]),
    "call_for_recommendations": ("recommendations_due", ["assessors"]),
    "await_decision": ("decision_due", ["chair"]),
    "approve": ("decision_made", ["facility", "office", "assessors"]),
    "defer": ("decision_made", ["facility", "office", "assessors"]),
    "deny": ("decision_made", ["facility", "office", "assessors"]),
    "submit_action_plan": ("action_plan_submitted", ["assessors", "office"]),
    "request_plan_evidence": ("plan_evidence_requested", ["facility", "office"]),
}


def require_step(application, name, user):
    """Refuse transition ``name`` unless ``user`` may take it now; the move itself otherwise.

    Services that write before they advance call this first, so a step taken in the wrong state
    (a stale page, the Back button, a second tab) is refused before anything is written.
    """
    move = getattr(application, name)
    if not can_proceed(move):
        raise ValidationError(
            _("This step is not possible now: the application is %(status)s.")
            % {"status": application.get_status_display()}
        )
    if not has_transition_perm(move, user):
        raise PermissionDenied
    return move


# Moves that follow from both assessors' work; the facility reads them as taken by "the assessors".
JOINT_ASSESSOR_MOVES = {"request_clarification", "require_remote_audit", "call_for_recommendations", "await_decision"}


def advance(application, name, user, summary, summary_args=None, **details):
    """Take transition ``name`` for ``user``: refused (PermissionDenied / ValidationError) changing nothing.

    ``summary`` is the timeline's line as an English template marked with gettext_noop, filled with
    ``summary_args`` when it is read, so each reader sees it in their own language.
    The caller holds a transaction and a row lock on the application (select_for_update).
    """
    from facilities import audit

    from .models import WorkflowEvent
    from .notifications import notify

    move = require_step(application, name, user)
    old = application.status
    move()
    application.save()
    event = WorkflowEvent.objects.create(
        application=application, transition=name, from_status=old, to_status=application.status,
        actor=user, summary=summary, summary_args={k: str(v) for k, v in (summary_args or {}).items()},
        details={k: str(v) for k, v in details.items()},
    )
    audit.record(
        f"application.{name}", event.summary, event.summary_args, actor=user, facility=application.facility, target=application,
        changes={"status": [old, application.status], **{k: str(v) for k, v in details.items()}},
    )
    template, audiences = NOTIFICATIONS[name]
    transaction.on_commit(lambda: notify(template, audiences, application, event))
    return event
