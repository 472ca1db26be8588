"""The rules of assessment. Every status move goes through workflow.advance; every write is here."""
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from guardian.shortcuts import assign_perm, remove_perm

from applications.models import Answer, Application, Question
from applications.notifications import notify
from applications.permissions import ASSESS, is_assigned
from applications.services import answers_of, lock_application, questions_of
from applications.workflow import Status, advance, require_step
from facilities import audit
from facilities.permissions import facility_id_of, is_authorised_representative, is_staff_of
from facilities.services import send_portal_mail

from . import matching, steps
from .awards import add_years, adverse_decision_ready, base_tier, denial_awaiting_on_site_audit, sought_tier
from .models import (
    AssessorProfile, Assignment, Audit, Award, CorrectiveAction, CorrectiveActionPlan, Decision, Declination, PlanReview, Recommendation,
    Reply, Round, RoundCompletion, Unavailability, Verdict,
)

REPLY_PERIOD = timedelta(days=14)
PLAN_PERIOD = timedelta(days=90)
# While the assessors work on an application: their assignment counts towards their workload.
ASSESSMENT_UNDER_WAY = [
    Status.UNDER_REVIEW, Status.CLARIFICATION_REQUESTED, Status.REMOTE_AUDIT_REQUIRED, Status.REMOTE_AUDIT_SCHEDULED,
    Status.RECOMMENDATION,
]


def current_round(application):
    return application.rounds.order_by("-number").first()


# Assignment ---------------------------------------------------------------------------------------------

@transaction.atomic
def assign_assessors(application, assessors, office_user):
    """Exactly two different assessors, neither from the assessed facility; round 1 opens."""
    application = lock_application(pk=application.pk)
    require_step(application, "assign_assessors", office_user)
    first, second = assessors
    if first == second:
        raise ValidationError(_("Choose two different assessors."))
    for assessor in assessors:
        if not assessor.is_assessor:
            raise ValidationError(_("%(person)s is not an assessor.") % {"person": assessor})
        if facility_id_of(assessor) == application.facility_id:
            raise ValidationError(
                _("%(person)s belongs to the assessed facility and cannot assess it.") % {"person": assessor}
            )
    refuse_conflicts(application, assessors)
    if application.assignments.exists():
        raise ValidationError(_("This application already has its two assessors."))
    try:
        with transaction.atomic():
            for slot, assessor in enumerate(assessors, start=1):
                Assignment.objects.create(application=application, assessor=assessor, slot=slot, assigned_by=office_user)
    except IntegrityError:
        raise ValidationError(_("This application already has its two assessors."))
    for assessor in assessors:
        assign_perm(ASSESS, assessor, application)
    Round.objects.create(application=application, number=1)
    # The facility reads the timeline: the summary does not name the assessors; the audit details do.
    advance(application, "assign_assessors", office_user, gettext_noop("Two assessors assigned"),
            first_assessor=first.email, second_assessor=second.email)
    return application


def refuse_conflicts(application, assessors):
    """Refuse, with the reason, an assessor with a conflict of interest (assessment.matching.conflicts)."""
    case = matching.load_cases([application])[0]
    for assessor in matching.load_pool(ids=[a.pk for a in assessors]):
        reasons = matching.conflicts(assessor, case)
        if reasons:
            raise ValidationError(_("%(person)s cannot assess this application: %(reasons)s.")
                                  % {"person": assessor, "reasons": "; ".join(reasons)})


def read_proposals(values):
    """The "application:first:second" triples the review of "Assign all waiting" posts back, as integers."""
    try:
        triples = [tuple(int(part) for part in value.split(":")) for value in values]
    except ValueError:
        triples = []
    if not triples or any(len(triple) != 3 for triple in triples):
        raise ValidationError(_("The proposals could not be read. Review them again."))
    return triples


@transaction.atomic
def confirm_proposals(triples, office_user):
    """Assign every reviewed pair at once, or none: each is checked again under row locks (still waiting, no
    conflict, room within capacity); a stale one refuses the whole confirmation with its reason."""
    if not office_user.is_office:
        raise PermissionDenied
    from facilities.models import User

    # Locks in a fixed order (applications, then assessors, by id), so two confirmations cannot deadlock.
    applications = {a.pk: a for a in Application.objects.select_for_update(of=("self",)).filter(
        pk__in=[t[0] for t in triples]).select_related("facility", "question_set__programme").order_by("pk")}
    assessor_ids = sorted({pk for t in triples for pk in t[1:]})
    people = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=assessor_ids).order_by("pk")}
    pool = {a.id: a for a in matching.load_pool(ids=assessor_ids)}
    cases = {c.id: c for c in matching.load_cases(applications.values())}
    loads = {pk: assessor.load for pk, assessor in pool.items()}
    stale = []
    for application_id, *pair in triples:
        application = applications.get(application_id)
        if application is None or application.status != Status.SUBMITTED:
            stale.append(_("Application %(number)s no longer waits for assessors.") % {"number": application_id})
            continue
        name = application.facility.name
        if len(set(pair)) != 2 or any(pk not in pool for pk in pair):
            stale.append(_("%(facility)s: an assessor of the pair is no longer available.") % {"facility": name})
            continue
        for pk in pair:
            reasons = matching.conflicts(pool[pk], cases[application_id])
            loads[pk] += 1
            if reasons:
                stale.append(_("%(facility)s: %(person)s %(reasons)s.")
                             % {"facility": name, "person": pool[pk], "reasons": "; ".join(reasons)})
            elif loads[pk] > pool[pk].capacity:
                stale.append(_("%(facility)s: %(person)s would be over capacity.") % {"facility": name, "person": pool[pk]})
    if stale:
        raise ValidationError(stale)
    for application_id, first, second in triples:
        assign_assessors(applications[application_id], [people[first], people[second]], office_user)
    return len(triples)


@transaction.atomic
def decline_assignment(application, assessor, reason):
    """An assessor gives back an assignment before giving any verdict. The assignment ends (its access with it),
    the office is told, and the application waits under review for a replacement: its status does not move."""
    application = lock_application(pk=application.pk)
    _require_assessor(application, assessor)
    if application.status != Status.UNDER_REVIEW or Verdict.objects.filter(
            round__application=application, assessor=assessor).exists():
        raise ValidationError(_("You can decline only before giving any verdict."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you decline: the office reads it.")})
    assignment = Assignment.objects.get(application=application, assessor=assessor)
    declination = Declination.objects.create(application=application, assessor=assessor, slot=assignment.slot, reason=reason)
    assignment.delete()
    remove_perm(ASSESS, assessor, application)
    audit.record("assessment.declined", gettext_noop("%(assessor)s declined the assignment"), {"assessor": assessor},
                 actor=assessor, facility=application.facility, target=declination, changes={"reason": reason})
    transaction.on_commit(lambda: notify("assignment_declined", ["office"], application, declination=declination))
    return declination


@transaction.atomic
def replace_assessor(application, assessor, office_user):
    """The office fills a slot a declination left empty. The round goes on: no status moves."""
    if not office_user.is_office:
        raise PermissionDenied
    application = lock_application(pk=application.pk)
    slots = matching.free_slots(application)
    if application.status not in ASSESSMENT_UNDER_WAY or not slots:
        raise ValidationError(_("This application has no assessor to replace."))
    if not assessor.is_assessor:
        raise ValidationError(_("%(person)s is not an assessor.") % {"person": assessor})
    if application.assignments.filter(assessor=assessor).exists():
        raise ValidationError(_("%(person)s already assesses this application.") % {"person": assessor})
    refuse_conflicts(application, [assessor])
    assignment = Assignment.objects.create(application=application, assessor=assessor, slot=slots[0], assigned_by=office_user)
    assign_perm(ASSESS, assessor, application)
    audit.record("assessment.replacement", gettext_noop("%(assessor)s replaces an assessor who declined"),
                 {"assessor": assessor}, actor=office_user, facility=application.facility, target=assignment)
    transaction.on_commit(lambda: send_portal_mail(
        "assessor_replacement", [assessor.email],
        {"application": application, "facility": application.facility, "portal_url": settings.PORTAL_URL}))
    return assignment


# Assessor profiles ---------------------------------------------------------------------------------------

def profile_of(assessor):
    """The assessor's profile, unsaved and empty when they have none yet."""
    return AssessorProfile.objects.filter(assessor=assessor).first() or AssessorProfile(assessor=assessor)


def profile_snapshot(profile):
    """A profile as plain values, for the audit trail's old -> new."""
    if profile.pk is None:
        return {}
    return {
        "programmes": ", ".join(sorted(p.code for p in profile.programmes.all())),
        "expertise": ", ".join(sorted(e.code for e in profile.expertise.all())),
        "languages": ", ".join(sorted(profile.languages)),
        "country": profile.country.code or "",
        "institution": profile.institution,
        "conflict_facilities": ", ".join(sorted(str(f.pk) for f in profile.conflict_facilities.all())),
        "conflict_institutions": "; ".join(profile.conflict_institution_list()),
        "conflict_countries": ", ".join(c.code for c in profile.conflict_countries),
        "capacity": profile.capacity,
        "unavailability": "; ".join(f"{u.starts_on}..{u.ends_on}" for u in profile.unavailability.all()),
    }


def record_profile_change(profile, actor, before):
    """Audit what changed in a profile since ``before`` (a ``profile_snapshot``); the admin calls it too."""
    changes = audit.changed_fields(before, profile_snapshot(profile))
    if changes:
        audit.record("assessor.profile_changed", gettext_noop("Assessor profile of %(assessor)s changed"),
                     {"assessor": profile.assessor}, actor=actor, target=profile, changes=changes)


@transaction.atomic
def update_assessor_profile(assessor, actor, *, periods, programmes, expertise, **values):
    """An assessor keeps their own profile (the office any, through the admin); ``periods``: (from, to, note)."""
    if not assessor.is_assessor or (actor.pk != assessor.pk and not actor.is_office):
        raise PermissionDenied
    for starts_on, ends_on, _note in periods:
        if ends_on < starts_on:
            raise ValidationError(_("A period of unavailability ends on or after the day it starts."))
    from facilities.models import User

    User.objects.select_for_update().get(pk=assessor.pk)  # two first saves at once make one profile
    profile = AssessorProfile.objects.filter(assessor=assessor).first() or AssessorProfile(assessor=assessor)
    before = profile_snapshot(profile)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.save()
    profile.programmes.set(programmes)
    profile.expertise.set(expertise)
    profile.unavailability.all().delete()
    Unavailability.objects.bulk_create(
        Unavailability(profile=profile, starts_on=starts_on, ends_on=ends_on, note=note) for starts_on, ends_on, note in periods
    )
    record_profile_change(profile, actor, before)
    return profile


# Rounds, verdicts and replies ----------------------------------------------------------------------------

def _require_assessor(application, assessor):
    if not is_assigned(assessor, application):
        raise PermissionDenied


def open_round_for(application, assessor):
    """The round an assessor may work on now, or None (not under review, or their part is done)."""
    if application.status != Status.UNDER_REVIEW:
        return None
    round_ = current_round(application)
    if round_ is None or round_.completions.filter(assessor=assessor).exists():
        return None
    return round_


@transaction.atomic
def record_verdict(application, assessor, question, outcome, comment):
    # Under the lock complete_round takes: no verdict changes after the assessor's part is complete.
    application = lock_application(pk=application.pk)
    _require_assessor(application, assessor)
    round_ = open_round_for(application, assessor)
    if round_ is None:
        raise ValidationError(_("Your part of this round is complete; verdicts can no longer be changed."))
    if question.standard.question_set_id != application.question_set_id:
        raise ValidationError(_("This question does not belong to the application."))
    if not takes_verdict(application, question, Answer.objects.filter(application=application, question=question).first()):
        raise ValidationError(_("The facility left this extended question unanswered: it takes no verdict."))
    if outcome != Verdict.Outcome.MET and not comment.strip():
        raise ValidationError(_("Say what is missing or unclear: the facility reads this comment."))
    verdict, _created = Verdict.objects.update_or_create(
        round=round_, assessor=assessor, question=question, defaults={"outcome": outcome, "comment": comment}
    )
    return verdict


def needs_verdict(application, question):
    """Every core question needs a verdict; so does every extended one when the application seeks the tier judged
    on the extended criteria (Centre of Excellence)."""
    return question.is_core or application.seeks_excellence


def takes_verdict(application, question, answer):
    """A question that needs a verdict takes one; another extended question only when the facility answered it."""
    return needs_verdict(application, question) or (answer is not None and answer.choice in Answer.Choice.values)


@dataclass(frozen=True)
class VerdictProgress:
    core_total: int
    core_given: int
    extended_total: int
    extended_given: int
    extended_required: bool = False

    @property
    def percent(self):
        """The share of the verdicts the round needs from this assessor that are given."""
        total = self.core_total + (self.extended_total if self.extended_required else 0)
        given = self.core_given + (self.extended_given if self.extended_required else 0)
        return round(100 * given / total) if total else 0


def verdict_progress(application, questions, answers_by_question, given_question_ids):
    """An assessor's own progress in a round, from rows already loaded: verdicts given on the core questions and on
    the extended questions that take one (all needed to complete the round, as ``missing_verdicts`` checks, when
    the application seeks Centre of Excellence)."""
    core = [q for q in questions if q.is_core]
    extended = [q for q in questions if not q.is_core and takes_verdict(application, q, answers_by_question.get(q.pk))]
    return VerdictProgress(
        core_total=len(core), core_given=sum(q.pk in given_question_ids for q in core),
        extended_total=len(extended), extended_given=sum(q.pk in given_question_ids for q in extended),
        extended_required=application.seeks_excellence,
    )


def verdict_progress_of(application, round_, assessor):
    """``verdict_progress`` read from the database (after a verdict is saved)."""
    given = set(Verdict.objects.filter(round=round_, assessor=assessor).values_list("question_id", flat=True))
    return verdict_progress(application, questions_of(application), answers_of(application), given)


def missing_verdicts(application, round_, assessor):
    """Questions needing a verdict (``needs_verdict``) this assessor has not yet given one on in this round."""
    needed = Question.objects.filter(standard__question_set_id=application.question_set_id)
    if not application.seeks_excellence:
        needed = needed.filter(is_core=True)
    done = Verdict.objects.filter(round=round_, assessor=assessor).values("question_id")
    return list(needed.exclude(pk__in=done).order_by("number"))


@transaction.atomic
def complete_round(application, assessor):
    """An assessor finishes their part. When both have, the round closes and the workflow moves on."""
    application = lock_application(pk=application.pk)
    _require_assessor(application, assessor)
    round_ = open_round_for(application, assessor)
    if round_ is None:
        raise ValidationError(_("There is no open round for you to complete."))
    missing = missing_verdicts(application, round_, assessor)
    if missing:
        message = (_("Give a verdict on every core and extended question first; missing: %(numbers)s.")
                   if application.seeks_excellence else _("Give a verdict on every core question first; missing: %(numbers)s."))
        raise ValidationError(message % {"numbers": ", ".join(str(q.number) for q in missing)})
    RoundCompletion.objects.create(round=round_, assessor=assessor)
    if round_.completions.count() < 2:
        return application
    round_.closed_at = timezone.now()
    unclear = round_.verdicts.filter(outcome=Verdict.Outcome.CLARIFICATION).exists()
    move = steps.next_after_round(application, round_, unclear)
    if move == "request_clarification":
        round_.reply_due = timezone.localdate() + REPLY_PERIOD
        round_.save()
        advance(
            application, "request_clarification", assessor,
            gettext_noop("Round %(number)s closed: clarification requested, replies due %(due)s"),
            {"number": round_.number, "due": round_.reply_due.isoformat()},
            round=round_.number, reply_due=round_.reply_due,
        )
    elif move == "require_remote_audit":
        round_.save()
        advance(application, "require_remote_audit", assessor,
                gettext_noop("Round %(number)s closed: criteria still unclear, remote audit needed") if unclear
                else gettext_noop("Round %(number)s closed: remote audit next"), {"number": round_.number})
    else:
        round_.save()
        advance(application, "call_for_recommendations", assessor,
                gettext_noop("Round %(number)s closed: assessors to recommend"), {"number": round_.number})
    return application


def visible_verdicts(user, application, assigned=None):
    """Assessments are independent: an assessor sees only their own verdicts until a round is closed.

    The facility sees a round's comments once it is closed; the office sees everything. ``assigned`` is
    whether ``user`` is assigned to ``application``, when the caller has already checked it (one check a request).
    """
    verdicts = Verdict.objects.filter(round__application=application).select_related("question", "assessor", "round")
    if user.is_office:
        return verdicts
    closed = Q(round__closed_at__isnull=False)
    if is_assigned(user, application) if assigned is None else assigned:
        return verdicts.filter(closed | Q(assessor=user))
    return verdicts.filter(closed)


def label_verdicts(verdicts):
    """Give each verdict the outcome label and round number ``_verdicts.html`` shows, translated and formatted
    once a page rather than once a verdict; returns the verdicts."""
    labels = {value: str(label) for value, label in Verdict.Outcome.choices}
    for verdict in verdicts:
        verdict.outcome_label, verdict.round_number = labels[verdict.outcome], str(verdict.round.number)
    return verdicts


def verdicts_visible_to(user, round_):
    return visible_verdicts(user, round_.application).filter(round=round_)


def comments_awaiting_reply(application):
    """The clarification requests of the closed round the facility is replying to."""
    if application.status != Status.CLARIFICATION_REQUESTED:
        return Verdict.objects.none()
    round_ = current_round(application)
    return round_.verdicts.filter(outcome=Verdict.Outcome.CLARIFICATION).select_related("question")


def reopened_question_ids(application):
    """While replying, the facility may edit exactly the answers the clarification requests concern."""
    return set(comments_awaiting_reply(application).values_list("question_id", flat=True))


@transaction.atomic
def reply_to_comment(verdict, user, text, evidence=None):
    # Under the lock resubmit_application takes: no reply lands after the replies were sent back.
    application = lock_application(pk=verdict.round.application_id)
    if not is_staff_of(user, application.facility):
        raise PermissionDenied
    if application.status != Status.CLARIFICATION_REQUESTED or verdict.round != current_round(application):
        raise ValidationError(_("Replies are closed for this comment."))
    if verdict.outcome != Verdict.Outcome.CLARIFICATION:
        raise ValidationError(_("This comment does not ask for a reply."))
    if not text.strip():
        raise ValidationError(_("Write a reply."))
    reply = Reply.objects.create(
        verdict=verdict, author=user, text=text, evidence=evidence or "",
        is_late=timezone.localdate() > verdict.round.reply_due,
    )
    summary = (gettext_noop("Late reply to the comment on question %(number)s") if reply.is_late
               else gettext_noop("Reply to the comment on question %(number)s"))
    audit.record("assessment.reply", summary, {"number": verdict.question.number},
                 actor=user, facility=application.facility, target=reply)
    return reply


@transaction.atomic
def resubmit_application(application, user):
    """The authorised representative sends the replies back; the next round opens."""
    application = lock_application(pk=application.pk)
    if not is_authorised_representative(user, application.facility):
        raise PermissionDenied
    require_step(application, "resubmit", user)
    unanswered = comments_awaiting_reply(application).filter(replies__isnull=True)
    if unanswered.exists():
        raise ValidationError(
            _("Reply to every comment first; still open: questions %(numbers)s.")
            % {"numbers": ", ".join(sorted({str(v.question.number) for v in unanswered}))}
        )
    round_ = current_round(application)
    # The move first: a resubmission in the wrong state (a second click, Back and confirm) is refused
    # before the next round is written.
    advance(application, "resubmit", user,
            gettext_noop("Replies resubmitted; round %(number)s opens"), {"number": round_.number + 1})
    round_.resubmitted_at = timezone.now()
    round_.save()
    Round.objects.create(application=application, number=round_.number + 1)
    return application


# Audits -------------------------------------------------------------------------------------------------

def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def check_audit_date(scheduled_for):
    """An audit is scheduled in the future; its outcome can only be recorded once that time has come."""
    if scheduled_for < timezone.now():
        raise ValidationError({"scheduled_for": _("Schedule the audit in the future.")})


@transaction.atomic
def schedule_audit(application, office_user, kind, *, scheduled_for, participants, video_link=""):
    """A remote audit is a workflow step (advance checks who and when); an on-site audit follows a denial.

    A pathway's other steps (site visit, dosimetry audit, remote review) are scheduled by ``steps.schedule_step``."""
    application = lock_application(pk=application.pk)
    if kind == Audit.Kind.REMOTE:
        require_step(application, "schedule_remote_audit", office_user)
        if not video_link:
            raise ValidationError(_("A remote audit needs its video conference link."))
    elif not office_user.is_office:
        raise PermissionDenied
    elif kind != Audit.Kind.ON_SITE:
        raise ValidationError(_("This programme's assessment has no such step now."))
    elif not application.decisions.filter(outcome=Decision.Outcome.DENIED).exists():
        raise ValidationError(_("An on-site audit follows a denial."))
    check_audit_date(scheduled_for)
    audit_ = Audit.objects.create(application=application, kind=kind, scheduled_for=scheduled_for,
                                  video_link=video_link, participants=participants, scheduled_by=office_user)
    if kind == Audit.Kind.REMOTE:
        # Inside this transaction: a refused move also takes the audit row back.
        advance(application, "schedule_remote_audit", office_user,
                gettext_noop("Remote audit scheduled for %(when)s"), {"when": _local(scheduled_for)}, audit=audit_.pk)
    else:
        audit.record(f"assessment.{kind}_scheduled", gettext_noop("%(kind)s scheduled"), {"kind": audit.choice_label(audit_, "kind")},
                     actor=office_user, facility=application.facility, target=audit_)
    return audit_


@transaction.atomic
def record_audit_outcome(audit_, office_user, outcome):
    application = lock_application(pk=audit_.application_id)
    audit_ = Audit.objects.select_for_update().get(pk=audit_.pk)
    if not office_user.is_office:
        raise PermissionDenied
    if audit_.kind == Audit.Kind.REMOTE:
        require_step(application, "record_remote_audit", office_user)
    if audit_.outcome_recorded_at:
        raise ValidationError(_("This audit's outcome is already recorded."))
    if audit_.scheduled_for > timezone.now():
        raise ValidationError({"outcome": _("The audit is scheduled for %(when)s: record its outcome once it has taken place.")
                               % {"when": _local(audit_.scheduled_for)}})
    if not outcome.strip():
        raise ValidationError(_("Describe the outcome of the audit."))
    audit_.outcome = outcome
    audit_.outcome_recorded_at = timezone.now()
    audit_.outcome_recorded_by = office_user
    audit_.save()
    if audit_.kind == Audit.Kind.REMOTE:
        advance(application, "record_remote_audit", office_user, gettext_noop("Remote audit outcome recorded"), audit=audit_.pk)
    else:
        audit.record(f"assessment.{audit_.kind}_outcome", gettext_noop("%(kind)s: outcome recorded"),
                     {"kind": audit.choice_label(audit_, "kind")},
                     actor=office_user, facility=application.facility, target=audit_)
    return audit_


# Recommendations, decision, award -------------------------------------------------------------------------

def recommendation_cycle(application):
    return 1 + application.action_plans.count()


@transaction.atomic
def recommend(application, assessor, outcome, justification):
    application = lock_application(pk=application.pk)
    _require_assessor(application, assessor)
    if application.status != Status.RECOMMENDATION:
        raise ValidationError(_("Recommendations are not open for this application."))
    if not justification.strip():
        raise ValidationError(_("Justify your recommendation."))
    cycle = recommendation_cycle(application)
    if Recommendation.objects.filter(application=application, assessor=assessor, cycle=cycle).exists():
        raise ValidationError(_("You have already recommended."))
    recommendation = Recommendation.objects.create(
        application=application, assessor=assessor, outcome=outcome, justification=justification, cycle=cycle
    )
    audit.record("assessment.recommendation", gettext_noop("%(assessor)s recommends: %(outcome)s"),
                 {"assessor": assessor, "outcome": audit.choice_label(recommendation, "outcome")},
                 actor=assessor, facility=application.facility, target=recommendation)
    if Recommendation.objects.filter(application=application, cycle=cycle).count() == 2:
        advance(application, "await_decision", assessor, gettext_noop("Both assessors have recommended"))
    return recommendation


DECISION_SUMMARIES = {
    Decision.Outcome.APPROVED: gettext_noop("Decision: approved"),
    Decision.Outcome.DEFERRED: gettext_noop("Decision: deferred"),
    Decision.Outcome.DENIED: gettext_noop("Decision: denied"),
}
DECISION_MOVES = {Decision.Outcome.APPROVED: "approve", Decision.Outcome.DEFERRED: "defer", Decision.Outcome.DENIED: "deny"}
RECOMMENDED_DECISION = {
    Recommendation.Outcome.APPROVE: Decision.Outcome.APPROVED,
    Recommendation.Outcome.DEFER: Decision.Outcome.DEFERRED,
    Recommendation.Outcome.DENY: Decision.Outcome.DENIED,
}


def departs_from_recommendations(application, outcome):
    """Whether a decision of ``outcome`` differs from what both assessors of the current cycle recommended."""
    recommended = Recommendation.objects.filter(application=application, cycle=recommendation_cycle(application))
    decisions = {RECOMMENDED_DECISION[outcome_] for outcome_ in recommended.values_list("outcome", flat=True)}
    return bool(decisions) and outcome not in decisions


@transaction.atomic
def sign_off_decision(application, chairperson, outcome, report="", rationale="", early_reason="", tier="",
                      tier_reason=""):
    """The chairperson decides. Approval grants an award of a tier and renders its certificate.

    Each departure from the usual path carries the chairperson's written reason: a decision against both
    recommendations (``rationale``), a deferral or denial before the steps the programme sets before one
    (``early_reason``, see ``adverse_decision_ready``), the base award granted where the application sought the
    higher one (``tier_reason``). After a denial, no approval until the on-site audit has its outcome.
    """
    from facilities.services import accredit

    from .tasks import render_certificate_pdf

    application = lock_application(pk=application.pk)
    missing = steps.missing_before_decision(application)
    # Before require_step, which refuses the move too (its condition) but cannot say which steps are missing.
    if missing and application.status == Status.AWAITING_DECISION and chairperson.is_chairperson:
        raise ValidationError(_("A decision waits for the outcome of: %(steps)s.")
                              % {"steps": "; ".join(step.title for step in missing)})
    require_step(application, DECISION_MOVES[outcome], chairperson)
    approved = outcome == Decision.Outcome.APPROVED
    if not approved and not report.strip():
        raise ValidationError({"report": _("A deferral or denial needs the report of what is missing.")})
    if not rationale.strip() and departs_from_recommendations(application, outcome):
        raise ValidationError({"rationale": _("This decision departs from both assessors' recommendations: "
                                              "give your reasons.")})
    if not approved and not early_reason.strip():
        readiness = adverse_decision_ready(application)
        if not readiness:
            raise ValidationError({"early_reason": " ".join([
                _("The programme defers or denies after its review rounds and remote audit: give your reason for "
                  "deciding now."), *readiness.missing])})
    granted = granted_tier(application, tier, tier_reason) if approved else None
    today = timezone.localdate()
    decision = Decision(application=application, outcome=outcome, report=report, rationale=rationale,
                        early_reason="" if approved else early_reason,
                        tier_reason=tier_reason if granted and application.seeks_excellence
                        and not granted.requires_extended_criteria else "",
                        decided_by=chairperson, decided_on=today)
    if not approved:
        decision.plan_due = today + PLAN_PERIOD
    # The audit trail keeps the award and the reasons beside the move.
    reasons = {"early_reason": decision.early_reason, "tier_reason": decision.tier_reason}
    advance(application, DECISION_MOVES[outcome], chairperson, DECISION_SUMMARIES[outcome],
            **({"award": granted.code} if granted else {}), **{key: text for key, text in reasons.items() if text})
    decision.save()
    if approved:
        expires = add_years(today, granted.validity_years)
        award = Award.objects.create(facility=application.facility, decision=decision, tier=granted, granted_on=today,
                                     expires_on=expires)
        accredit(application.enrolment, chairperson, expires_on=expires,
                          excellence=granted.requires_extended_criteria)
        # robust: a rendering that cannot even be queued leaves the award granted; the office sees it missing its PDF.
        transaction.on_commit(lambda: render_certificate_pdf.delay(award.pk), robust=True)
    return decision


def granted_tier(application, code, reason):
    """The tier an approval grants: the one sought, or, for an application seeking the higher tier, the base award
    with the chairperson's reason (the facility reads it). Refuses an approval the on-site audit still holds up."""
    denial = denial_awaiting_on_site_audit(application)
    if denial is not None:
        raise ValidationError({"outcome": _("No approval until the on-site audit that follows the denial of %(date)s "
                                            "has its outcome.") % {"date": date_format(denial.decided_on)}})
    programme = application.question_set.programme
    sought, base = sought_tier(application), base_tier(programme)
    if sought is None or base is None:
        raise ValidationError(_("%(programme)s has no award to grant: the office adds its award tiers in the admin.")
                              % {"programme": programme.name})
    if sought == base:
        return base
    if code not in (sought.code, base.code):
        raise ValidationError({"tier": _("Choose the award: %(sought)s, or %(base)s only.")
                               % {"sought": sought.title, "base": base.title}})
    if code == base.code and not reason.strip():
        raise ValidationError({"tier_reason": _("Say why %(base)s only and not %(sought)s: the facility reads it.")
                               % {"sought": sought.title, "base": base.title}})
    return sought if code == sought.code else base


def render_certificate(award):
    """Render the award's certificate PDF and store it once (django-storages in production)."""
    from accreditation.pdf import render_pdf, store_pdf_once

    context = {"award": award, "facility": award.facility, "programme": award.decision.application.question_set.programme}
    store_pdf_once(award, "certificate", f"certificate-{award.facility_id}-{award.granted_on:%Y%m%d}.pdf",
                   lambda: render_pdf("assessment/certificate.html", context, award.facility.document_language()))
    return award


def awards_missing_certificate():
    """Awards whose certificate is still not stored well after the decision: every retry of the rendering failed."""
    from accreditation.pdf import RENDERING_GRACE

    return Award.objects.filter(certificate="", decision__created_at__lt=timezone.now() - RENDERING_GRACE).select_related(
        "facility", "tier", "decision__application__question_set__programme").order_by("-granted_on", "pk")


# Corrective action plans --------------------------------------------------------------------------------

@transaction.atomic
def submit_action_plan(application, user, *, declined_criteria, issue_description, desired_outcome, actions):
    application = lock_application(pk=application.pk)
    if not is_authorised_representative(user, application.facility):
        raise PermissionDenied
    require_step(application, "submit_action_plan", user)
    if not actions:
        raise ValidationError(_("Add at least one action to the plan."))
    decision = application.decisions.order_by("-created_at").first()
    plan = CorrectiveActionPlan.objects.create(
        application=application, decision=decision, declined_criteria=declined_criteria,
        issue_description=issue_description, desired_outcome=desired_outcome, submitted_by=user,
        is_late=bool(decision and decision.plan_due and timezone.localdate() > decision.plan_due),
    )
    CorrectiveAction.objects.bulk_create(CorrectiveAction(plan=plan, **action) for action in actions)
    advance(application, "submit_action_plan", user, gettext_noop("Corrective action plan submitted"), plan=plan.pk)
    return plan


@transaction.atomic
def review_action_plan(application, assessor, outcome, comment=""):
    application = lock_application(pk=application.pk)
    _require_assessor(application, assessor)
    if application.status != Status.PLAN_REVIEW:
        raise ValidationError(_("No corrective action plan is waiting for review."))
    plan = application.action_plans.order_by("-submitted_at").first()
    if outcome == PlanReview.Outcome.EVIDENCE and not comment.strip():
        raise ValidationError(_("Say which evidence of implementation you need."))
    try:
        with transaction.atomic():
            review = PlanReview.objects.create(plan=plan, assessor=assessor, outcome=outcome, comment=comment)
    except IntegrityError:
        raise ValidationError(_("You have already reviewed this plan."))
    if outcome == PlanReview.Outcome.EVIDENCE:
        advance(application, "request_plan_evidence", assessor, gettext_noop("Evidence of the plan's implementation requested"),
                comment=comment)
    elif plan.reviews.filter(outcome=PlanReview.Outcome.ACCEPT).count() == 2:
        advance(application, "call_for_recommendations", assessor, gettext_noop("Both assessors accept the plan"))
    return review


def assessor_queue(assessor):
    """An assessor's assignments, newest first, with what ``assessor_turn`` reads fetched once for a whole page."""
    return Assignment.objects.filter(assessor=assessor).select_related(
        "application__facility", "application__question_set__programme"
    ).prefetch_related(
        Prefetch("application__rounds", queryset=Round.objects.order_by("number").prefetch_related(
            Prefetch("completions", queryset=RoundCompletion.objects.filter(assessor=assessor), to_attr="completions_by_assessor")
        ), to_attr="rounds_in_order"),
        Prefetch("application__recommendations", queryset=Recommendation.objects.filter(assessor=assessor),
                 to_attr="recommendations_by_assessor"),
        Prefetch("application__action_plans", queryset=CorrectiveActionPlan.objects.order_by("submitted_at").prefetch_related(
            Prefetch("reviews", queryset=PlanReview.objects.filter(assessor=assessor), to_attr="reviews_by_assessor")
        ), to_attr="plans_in_order"),
    ).order_by("-assigned_at", "-pk")


def assessor_turn(application):
    """What the assessor should do now on an application of ``assessor_queue``, or None while it waits for others.

    The same rules as ``open_round_for``, ``recommendation_cycle`` and the plan review, read from the prefetched rows.
    """
    rounds, plans = application.rounds_in_order, application.plans_in_order
    if application.status == Status.UNDER_REVIEW and rounds and not rounds[-1].completions_by_assessor:
        return _("Give your verdicts and complete the round")
    if application.status == Status.RECOMMENDATION and not any(
        recommendation.cycle == 1 + len(plans) for recommendation in application.recommendations_by_assessor
    ):
        return _("Record your recommendation")
    if application.status == Status.PLAN_REVIEW and plans and not plans[-1].reviews_by_assessor:
        return _("Review the corrective action plan")
    return None


# Deadlines ----------------------------------------------------------------------------------------------

OWES_REPLIES = (Status.CLARIFICATION_REQUESTED,)
OWES_PLAN = (Status.DEFERRED, Status.DENIED, Status.PLAN_EVIDENCE_REQUESTED)


def deadline_of(application):
    """What the facility owes next and by when, or None. Reads prefetched rounds and decisions when present."""
    if application.status in OWES_REPLIES:
        latest = max(application.rounds.all(), key=lambda round_: round_.number)
        return {"what": _("Replies to the assessors' comments"), "due": latest.reply_due}
    if application.status in OWES_PLAN:
        decision = max(application.decisions.all(), key=lambda d: d.created_at)
        return {"what": _("Corrective action plan"), "due": decision.plan_due}
    return None


def prefetch_deadlines(applications):
    """Fetch what ``deadline_of`` reads for a page of applications: the rounds of those owing replies, the decisions
    of those owing a plan, a query each. Only for them: Django builds a queryset per row it prefetches for."""
    prefetch_related_objects([a for a in applications if a.status in OWES_REPLIES], "rounds")
    prefetch_related_objects([a for a in applications if a.status in OWES_PLAN], "decisions")


# The timeline -------------------------------------------------------------------------------------------

def timeline(application, user, assigned=None, verdicts=None):
    """Everything that happened to an application, oldest first, as far as ``user`` may see it.

    ``verdicts``: what ``visible_verdicts`` returned, when the caller has already loaded them.
    """
    facility_reader = _is_facility(user, application)
    entries = [
        {"when": e.created_at, "kind": "event", "text": e.summary_text(),
         "who": e.actor_as_the_facility_knows if facility_reader else e.actor}
        for e in application.workflow_events.select_related("actor")
    ]
    if verdicts is None:
        verdicts = visible_verdicts(user, application, assigned).exclude(comment="")
    for verdict in (verdict for verdict in verdicts if verdict.comment):
        entries.append({"when": verdict.updated_at, "kind": "comment", "who": None if facility_reader else verdict.assessor,
                        "text": verdict.comment, "label": _("Comment on question %(number)d (%(outcome)s)")
                        % {"number": verdict.question.number, "outcome": verdict.get_outcome_display()}})
    for reply in Reply.objects.filter(verdict__round__application=application).select_related("author", "verdict__question"):
        entries.append({"when": reply.created_at, "kind": "reply", "who": reply.author, "text": reply.text,
                        "label": _("Reply on question %(number)d") % {"number": reply.verdict.question.number},
                        "late": reply.is_late})
    for audit_ in application.audits.all():
        entries.append({"when": audit_.created_at, "kind": "audit", "who": None,
                        "label": audit_.get_kind_display(),
                        "text": _("Scheduled for %(when)s. Participants: %(who)s")
                        % {"when": _local(audit_.scheduled_for), "who": audit_.participants}})
        if audit_.outcome_recorded_at:
            entries.append({"when": audit_.outcome_recorded_at, "kind": "audit", "who": None,
                            "label": _("%(kind)s outcome") % {"kind": audit_.get_kind_display()}, "text": audit_.outcome})
    for record in steps.records_of(application):
        entries.append({"when": record.created_at, "kind": "audit", "who": None, "label": record.step.title,
                        "text": _("Scheduled")})
        if record.outcome_recorded_at:
            entries.append({"when": record.outcome_recorded_at, "kind": "audit", "who": None,
                            "label": _("%(step)s: outcome") % {"step": record.step.title},
                            "text": record.get_outcome_display()})
    for recommendation in recommendations_visible_to(user, application, assigned):
        entries.append({"when": recommendation.created_at, "kind": "recommendation", "who": recommendation.assessor,
                        "label": recommendation.get_outcome_display(), "text": recommendation.justification})
    for decision in application.decisions.select_related("award__tier"):
        award = getattr(decision, "award", None)
        entries.append({"when": decision.created_at, "kind": "decision", "who": None,
                        "label": _("%(outcome)s: %(award)s") % {"outcome": decision.get_outcome_display(), "award": award.tier.title}
                        if award else decision.get_outcome_display(), "text": decision.report})
        if decision.rationale and not facility_reader:
            entries.append({"when": decision.created_at, "kind": "decision", "who": None,
                            "label": _("Why the decision departs from both recommendations"), "text": decision.rationale})
        # The facility reads both: the manual promises it the review rounds and the remote audit before a deferral
        # or denial, and it applied for the higher award; a departure from either is explained to it.
        if decision.early_reason:
            entries.append({"when": decision.created_at, "kind": "decision", "who": None,
                            "label": _("Why the decision comes before the review rounds and remote audit"),
                            "text": decision.early_reason})
        if decision.tier_reason:
            entries.append({"when": decision.created_at, "kind": "decision", "who": None,
                            "label": _("Why %(award)s only") % {"award": award.tier.title}, "text": decision.tier_reason})
    for plan in application.action_plans.all():
        entries.append({"when": plan.submitted_at, "kind": "plan", "who": None,
                        "label": _("Corrective action plan"), "text": plan.issue_description, "late": plan.is_late})
    return sorted(entries, key=lambda entry: entry["when"])


def recommendations_visible_to(user, application, assigned=None):
    """The office sees every recommendation; an assessor their own, and the other's once both have recommended
    in that cycle (recommendations are independent); the facility none."""
    recommendations = application.recommendations.select_related("assessor")
    if user.is_office:
        return recommendations
    if not (is_assigned(user, application) if assigned is None else assigned):
        return recommendations.none()
    both_given = (Recommendation.objects.filter(application=application).values("cycle")
                  .annotate(given=Count("pk")).filter(given=2).values("cycle"))
    return recommendations.filter(Q(assessor=user) | Q(cycle__in=both_given))


def _is_facility(user, application):
    return is_staff_of(user, application.facility)


def denials_awaiting_on_site_audit():
    """Each application's latest denial while no on-site audit has been scheduled after it (manual 3.3)."""
    later_denial = Decision.objects.filter(application=OuterRef("application"), outcome=Decision.Outcome.DENIED,
                                           created_at__gt=OuterRef("created_at"))
    on_site = Audit.objects.filter(application=OuterRef("application"), kind=Audit.Kind.ON_SITE,
                                   created_at__gt=OuterRef("created_at"))
    return Decision.objects.filter(outcome=Decision.Outcome.DENIED).exclude(Exists(later_denial)).exclude(Exists(on_site))


def office_attention(user, today=None):
    """What the office should act on now, as (key, heading, applications) queries, newest first.

    Each is a query (not a list), so the start page can show it a page at a time; the overdue one
    compares the latest round's or decision's date in the database, as ``deadline_of`` does.
    """
    today = today or timezone.localdate()
    applications = Application.objects.visible_to(user).select_related("facility").order_by("-started_at", "-pk")
    latest_reply_due = Round.objects.filter(application=OuterRef("pk")).order_by("-number").values("reply_due")[:1]
    latest_plan_due = Decision.objects.filter(application=OuterRef("pk")).order_by("-created_at").values("plan_due")[:1]
    return [
        ("submitted", _("Submitted: assign two assessors"), applications.filter(status=Status.SUBMITTED)),
        ("audits_to_schedule", _("Remote audits to schedule"), applications.filter(status=Status.REMOTE_AUDIT_REQUIRED)),
        ("audits_held", _("Audits held: record their outcome"), applications.filter(
            pk__in=Audit.objects.filter(outcome_recorded_at__isnull=True, scheduled_for__lt=timezone.now()).values("application")
        )),
        ("on_site_audits_to_schedule", _("On-site audits to schedule after a denial"),
         applications.filter(pk__in=denials_awaiting_on_site_audit().values("application"))),
        ("decisions", _("Decisions to sign off"), applications.filter(status=Status.AWAITING_DECISION)),
        ("declined", _("An assessor declined: assign a replacement"), applications.filter(
            status=Status.UNDER_REVIEW
        ).alias(assessors=Count("assignments")).filter(assessors__lt=2)),
        # The status filter first, on its own: the database then reads only those statuses' rows by their index
        # instead of working out both deadlines for every application (8 ms at 5,000 applications).
        ("overdue", _("Overdue: replies or corrective action plans"), applications.filter(
            status__in=OWES_REPLIES + OWES_PLAN
        ).alias(
            reply_due=Subquery(latest_reply_due), plan_due=Subquery(latest_plan_due)
        ).filter(
            Q(status__in=OWES_REPLIES, reply_due__lt=today) | Q(status__in=OWES_PLAN, plan_due__lt=today)
        )),
    ]
