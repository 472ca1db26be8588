"""The steps of an application's pathway (applications.pathways): where a round leads, which steps apply and have
an outcome, and the records of the steps an expert holds (site visit, dosimetry audit, remote clinician review).

Nothing here knows a programme: what an assessment includes is its pathway's data, and of those steps only the
ones on the application's assessment path (``Application.path_steps``: a streamlined re-certification skips the
full path's). The workflow asks ``next_after_round`` where a closed round leads and ``required_steps_recorded``
before a decision.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from applications.models import PathwayStep
from applications.permissions import is_assigned
from applications.services import lock_application
from applications.workflow import Status
from facilities import audit

from .models import (
    Audit, DosimetryAudit, DosimetryPoint, RemoteReview, SiteVisit, SiteVisitFinding, StepOutcome, Verdict,
)

Kind = PathwayStep.Kind
RECORDS = {Kind.SITE_VISIT: SiteVisit, Kind.DOSIMETRY_AUDIT: DosimetryAudit, Kind.REMOTE_REVIEW: RemoteReview}
# While the assessment runs, up to the decision (the chairperson may be waiting for a step), the office schedules
# the pathway's steps and their experts record them.
STEPS_OPEN = [
    Status.UNDER_REVIEW, Status.CLARIFICATION_REQUESTED, Status.REMOTE_AUDIT_REQUIRED, Status.REMOTE_AUDIT_SCHEDULED,
    Status.RECOMMENDATION, Status.AWAITING_DECISION,
]
ROUNDS_UNDER_WAY = [Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.CLARIFICATION_REQUESTED]


# Dosimetry arithmetic ------------------------------------------------------------------------------------------
# Decimals throughout, and comparisons without division or square root, so a measurement exactly at the tolerance
# passes (the tolerance is inclusive) instead of failing on a rounding error.

def dose_deviation_percent(planned, measured):
    """(measured - planned) / planned * 100: negative when less dose was measured than planned."""
    return (Decimal(measured) - Decimal(planned)) / Decimal(planned) * 100


def dose_within_tolerance(planned, measured, tolerance_percent):
    """|measured - planned| / planned * 100 <= tolerance, compared as |measured - planned| * 100 <= tolerance * planned."""
    return abs(Decimal(measured) - Decimal(planned)) * 100 <= Decimal(tolerance_percent) * Decimal(planned)


def position_deviation_mm(planned, measured):
    """The distance between the planned and the measured position, (x, y, z) in mm each."""
    return _squared_distance(planned, measured).sqrt()


def position_within_tolerance(planned, measured, tolerance_mm):
    """distance <= tolerance, compared squared."""
    return _squared_distance(planned, measured) <= Decimal(tolerance_mm) ** 2


def _squared_distance(planned, measured):
    return sum((Decimal(m) - Decimal(p)) ** 2 for p, m in zip(planned, measured))


@dataclass
class Measurement:
    """One point as the results table shows it: its deviations and whether it is within the pathway's tolerances."""

    point: DosimetryPoint
    dose_deviation: Decimal
    position_deviation: Decimal | None
    dose_passes: bool
    position_passes: bool | None

    @property
    def passes(self):
        return self.dose_passes and self.position_passes is not False


def measure(point, pathway):
    position = point.has_position and pathway.position_tolerance_mm is not None
    return Measurement(
        point=point,
        dose_deviation=dose_deviation_percent(point.planned_dose_gy, point.measured_dose_gy).quantize(Decimal("0.01")),
        position_deviation=(position_deviation_mm(point.planned_position, point.measured_position).quantize(Decimal("0.01"))
                            if point.has_position else None),
        dose_passes=dose_within_tolerance(point.planned_dose_gy, point.measured_dose_gy, pathway.dose_tolerance_percent),
        position_passes=(position_within_tolerance(point.planned_position, point.measured_position,
                                                   pathway.position_tolerance_mm) if position else None),
    )


@dataclass
class PointResult:
    """An original measurement with its re-measurements (oldest first); the latest of them counts."""

    original: Measurement
    remeasurements: list

    @property
    def counted(self):
        return self.remeasurements[-1] if self.remeasurements else self.original

    @property
    def passes(self):
        return self.counted.passes


def point_results(dosimetry_audit, points=None):
    """The audit's measurement points as results, in the order they were recorded."""
    pathway = dosimetry_audit.application.pathway
    points = list(dosimetry_audit.points.select_related("recorded_by") if points is None else points)
    results = {point.pk: PointResult(measure(point, pathway), []) for point in points if point.remeasures_id is None}
    for point in points:
        if point.remeasures_id is not None:
            results[point.remeasures_id].remeasurements.append(measure(point, pathway))
    return list(results.values())


def audit_passes(results):
    """Every point within tolerance, after its re-measurement where it has one; an audit without points does not."""
    return bool(results) and all(result.passes for result in results)


# Where the assessment stands -------------------------------------------------------------------------------------

def unclear_after_rounds(application, rounds=None):
    """Whether the last round the pathway allows has closed with questions still unclear."""
    rounds = list(application.rounds.all()) if rounds is None else rounds
    last = max(rounds, key=lambda round_: round_.number, default=None)
    return (last is not None and last.number >= application.pathway.review_rounds and last.closed_at is not None
            and last.verdicts.filter(outcome=Verdict.Outcome.CLARIFICATION).exists())


def step_applies(step, application, unclear=None):
    if step.condition == PathwayStep.Condition.UNCLEAR_AFTER_ROUNDS:
        return unclear_after_rounds(application) if unclear is None else unclear
    return True


def next_after_round(application, round_, unclear):
    """The workflow's move when a round closes: another round, the remote audit, or the recommendations."""
    if unclear and round_.number < application.pathway.review_rounds:
        return "request_clarification"
    remote_audit = next((step for step in application.path_steps() if step.kind == Kind.REMOTE_AUDIT), None)
    if remote_audit and step_applies(remote_audit, application, unclear=unclear):
        return "require_remote_audit"
    return "call_for_recommendations"


@dataclass
class StepState:
    """One step of an application's pathway as its checklist shows it."""

    step: PathwayStep
    applies: bool
    done: bool
    outcome: str
    passed: bool | None = None
    record: object = None

    @property
    def missing(self):
        return self.step.is_required and self.applies and not self.done


def step_states(application):
    """The checklist of the application's path, step by step, in order."""
    steps = application.path_steps()
    rounds = list(application.rounds.all())
    unclear = unclear_after_rounds(application, rounds)
    records = {kind: model.objects.filter(application=application, step__in=steps).first()
               for kind, model in RECORDS.items() if any(step.kind == kind for step in steps)}
    states = []
    for step in steps:
        applies = step_applies(step, application, unclear)
        if step.kind == Kind.REVIEW_ROUNDS:
            closed = [round_ for round_ in rounds if round_.closed_at]
            done = bool(closed) and application.status not in ROUNDS_UNDER_WAY
            outcome = (_("Rounds closed: %(count)d") % {"count": len(closed)}) if done else ""
            states.append(StepState(step, applies, done, outcome))
        elif step.kind == Kind.REMOTE_AUDIT:
            held = next((a for a in reversed(application.audits.all())  # prefetched by the pages that show audits
                         if a.kind == Audit.Kind.REMOTE and a.outcome_recorded_at), None)
            states.append(StepState(step, applies, held is not None, held.outcome if held else "", record=held))
        else:
            record = records.get(step.kind)
            done = bool(record and record.outcome)
            states.append(StepState(step, applies, done, record.get_outcome_display() if done else "",
                                    passed=record.passed if done else None, record=record))
    return states


def records_of(application):
    """The records of the application's expert steps, in its path's order (for the timeline)."""
    steps = [step for step in application.path_steps() if step.kind in RECORDS]
    return [record for step in steps
            for record in RECORDS[step.kind].objects.filter(application=application, step=step).select_related("step")]


def missing_before_decision(application):
    """The required steps that apply and have no outcome yet: a decision waits for them."""
    return [state.step for state in step_states(application) if state.missing]


def required_steps_recorded(application):
    return not missing_before_decision(application)


def steps_to_schedule(application):
    """The pathway's expert steps the office may schedule now: those without a record yet."""
    if application.status not in STEPS_OPEN:
        return []
    return [state.step for state in step_states(application)
            if state.step.kind in RECORDS and state.record is None and state.applies]


# Who may record --------------------------------------------------------------------------------------------------

def may_record(user, record):
    """The office, or the expert the record names (one of the application's assessors)."""
    return user.is_office or (record.expert_id == user.pk and is_assigned(user, record.application))


def _require_recorder(user, record):
    if not may_record(user, record):
        raise PermissionDenied


def _require_open(application):
    if application.status not in STEPS_OPEN:
        raise ValidationError(_("The assessment is not under way: its steps can no longer be recorded."))


def _require_no_outcome(record):
    if record.outcome:
        raise ValidationError(_("This step's outcome is already recorded."))


def _locked_for_recording(record, user):
    """The step's record re-read under its application's lock, once ``user`` may record it now; refused otherwise.

    Only the record's own row is locked besides the application: its pathway and step are shared by every
    application on that pathway version, and recording one application's step must not wait for another's.
    """
    lock_application(pk=record.application_id)
    record = type(record).objects.select_for_update(of=("self",)).select_related("application__pathway", "step").get(
        pk=record.pk)
    _require_recorder(user, record)
    _require_open(record.application)
    _require_no_outcome(record)
    return record


def _log(action, summary, record, user, **args):
    audit.record(f"assessment.{action}", summary, {"step": record.step.title, **args},
                 actor=user, facility=record.application.facility, target=record)


def _finish(record, user, outcome):
    record.outcome = outcome
    record.outcome_recorded_at = timezone.now()
    record.outcome_recorded_by = user


# Scheduling ------------------------------------------------------------------------------------------------------

@transaction.atomic
def schedule_step(application, office_user, step, *, expert, **details):
    """The office schedules one of the pathway's expert steps, naming one of the application's assessors as its expert.

    ``details``: a site visit's ``starts_on``, ``ends_on`` and ``agenda``; a dosimetry audit's ``performed_on``;
    a remote review's ``held_at`` and ``video_link``.
    """
    application = lock_application(pk=application.pk)
    if not office_user.is_office:
        raise PermissionDenied
    if step.kind not in RECORDS or step not in application.path_steps():
        raise ValidationError(_("This programme's assessment has no such step."))
    _require_open(application)
    if not is_assigned(expert, application):
        raise ValidationError({"expert": _("Choose one of the application's assessors.")})
    model = RECORDS[step.kind]
    check_step_dates(step.kind, details)
    try:
        with transaction.atomic():
            record = model.objects.create(application=application, step=step, expert=expert, scheduled_by=office_user,
                                          **details)
    except IntegrityError:
        raise ValidationError(_("This step is already scheduled."))
    _log("step_scheduled", gettext_noop("%(step)s scheduled with %(expert)s"), record, office_user, expert=expert.email)
    return record


def check_step_dates(kind, details):
    """A step is scheduled ahead, and a visit ends on or after its first day. Raises ValidationError per field."""
    today, now = timezone.localdate(), timezone.now()
    if kind == Kind.SITE_VISIT:
        if details["starts_on"] < today:
            raise ValidationError({"starts_on": _("Schedule the visit from today on.")})
        if details["ends_on"] < details["starts_on"]:
            raise ValidationError({"ends_on": _("The last day cannot be before the first day.")})
    elif kind == Kind.DOSIMETRY_AUDIT and details["performed_on"] < today:
        raise ValidationError({"performed_on": _("Schedule the measurements from today on.")})
    elif kind == Kind.REMOTE_REVIEW and details["held_at"] < now:
        raise ValidationError({"held_at": _("Schedule the review in the future.")})


# Site visit ------------------------------------------------------------------------------------------------------

@transaction.atomic
def record_site_visit(visit, user, findings, *, outcome="", outcome_note=""):
    """The expert records a finding on every area, once the visit has begun.

    ``findings``: {FindingArea pk: (is_met, comment)}. All met: the visit is passed. Any area not met: the expert
    records the outcome and says why (a not-met area may still leave the visit passed, or not).
    """
    visit = _locked_for_recording(visit, user)
    if visit.starts_on > timezone.localdate():
        raise ValidationError(_("The visit begins on %(day)s: record its findings once it has begun.")
                              % {"day": visit.starts_on.isoformat()})
    areas = list(visit.step.areas.all())
    if {area.pk for area in areas} != set(findings):
        raise ValidationError(_("Give a finding on every area."))
    for area in areas:
        is_met, comment = findings[area.pk]
        if not is_met and not comment.strip():
            raise ValidationError(_("Say what was not met in %(area)s.") % {"area": area.name})
    if all(is_met for is_met, _comment in findings.values()):
        outcome, outcome_note = StepOutcome.PASSED, outcome_note
    elif outcome not in StepOutcome.values or not outcome_note.strip():
        raise ValidationError({"outcome": _("An area is not met: choose the visit's outcome and say why.")})
    SiteVisitFinding.objects.bulk_create(
        SiteVisitFinding(visit=visit, area=area, is_met=findings[area.pk][0], comment=findings[area.pk][1])
        for area in areas
    )
    visit.outcome_note = outcome_note
    _finish(visit, user, outcome)
    visit.save()
    _log("site_visit_recorded", gettext_noop("%(step)s: %(outcome)s, %(met)s of %(areas)s areas met"), visit, user,
         outcome=audit.choice_label(visit, "outcome"), met=sum(f[0] for f in findings.values()), areas=len(areas))
    return visit


# Dosimetry audit -------------------------------------------------------------------------------------------------

def _lock_dosimetry_audit(dosimetry_audit, user):
    dosimetry_audit = _locked_for_recording(dosimetry_audit, user)
    if dosimetry_audit.performed_on > timezone.localdate():
        raise ValidationError(_("The measurements are planned for %(day)s: record them once they are taken.")
                              % {"day": dosimetry_audit.performed_on.isoformat()})
    return dosimetry_audit


def check_measurement(values):
    """A planned dose above zero, a measured dose not below it, and a position either whole or absent."""
    if values["planned_dose_gy"] <= 0:
        raise ValidationError({"planned_dose_gy": _("The planned dose must be more than 0 Gy.")})
    if values["measured_dose_gy"] < 0:
        raise ValidationError({"measured_dose_gy": _("A dose cannot be negative.")})
    coordinates = [values.get(f"{which}_{axis}_mm") for which in ("planned", "measured") for axis in "xyz"]
    if any(c is not None for c in coordinates) and any(c is None for c in coordinates):
        raise ValidationError(_("Give the planned and the measured position with all three coordinates, or neither."))


@transaction.atomic
def record_dosimetry_point(dosimetry_audit, user, *, label, **values):
    dosimetry_audit = _lock_dosimetry_audit(dosimetry_audit, user)
    check_measurement(values)
    if not label.strip():
        raise ValidationError({"label": _("Name the measurement point.")})
    point = DosimetryPoint.objects.create(audit=dosimetry_audit, label=label, recorded_by=user, **values)
    result = measure(point, dosimetry_audit.application.pathway)
    _log("dosimetry_point", gettext_noop("%(step)s: point %(label)s, dose deviation %(deviation)s%%, %(result)s"),
         dosimetry_audit, user, label=label, deviation=result.dose_deviation,
         result=_within_label(result.passes))
    return point


@transaction.atomic
def remeasure_point(point, user, *, justification, **values):
    """A new measurement of an out-of-tolerance point, kept beside the original with the reason it was repeated."""
    dosimetry_audit = _lock_dosimetry_audit(point.audit, user)
    original = DosimetryPoint.objects.get(pk=point.pk, audit=dosimetry_audit)
    if original.remeasures_id is not None:
        original = original.remeasures
    result = next(r for r in point_results(dosimetry_audit) if r.original.point.pk == original.pk)
    if result.passes:
        raise ValidationError(_("This point is within tolerance: it needs no re-measurement."))
    if not justification.strip():
        raise ValidationError({"justification": _("Say why the point is measured again.")})
    check_measurement(values)
    again = DosimetryPoint.objects.create(audit=dosimetry_audit, label=original.label, remeasures=original,
                                          justification=justification, recorded_by=user, **values)
    measured = measure(again, dosimetry_audit.application.pathway)
    _log("dosimetry_remeasurement",
         gettext_noop("%(step)s: point %(label)s measured again (%(why)s), dose deviation %(deviation)s%%, %(result)s"),
         dosimetry_audit, user, label=original.label, why=justification, deviation=measured.dose_deviation,
         result=_within_label(measured.passes))
    return again


def _within_label(passes):
    return gettext_lazy("within tolerance") if passes else gettext_lazy("out of tolerance")


@transaction.atomic
def complete_dosimetry_audit(dosimetry_audit, user):
    """The expert closes the audit: passed when every point is within tolerance (after a re-measurement)."""
    dosimetry_audit = _lock_dosimetry_audit(dosimetry_audit, user)
    results = point_results(dosimetry_audit)
    if not results:
        raise ValidationError(_("Record at least one measurement point first."))
    _finish(dosimetry_audit, user, StepOutcome.PASSED if audit_passes(results) else StepOutcome.NOT_PASSED)
    dosimetry_audit.save()
    _log("dosimetry_audit_completed", gettext_noop("%(step)s completed: %(outcome)s, %(failing)s of %(points)s points out of tolerance"),
         dosimetry_audit, user, outcome=audit.choice_label(dosimetry_audit, "outcome"),
         failing=sum(not r.passes for r in results), points=len(results))
    return dosimetry_audit


# Remote clinician review -----------------------------------------------------------------------------------------

@transaction.atomic
def record_remote_review(review, user, *, outcome, notes):
    review = _locked_for_recording(review, user)
    if review.held_at > timezone.now():
        raise ValidationError(_("The review is scheduled for %(when)s: record it once it has taken place.")
                              % {"when": timezone.localtime(review.held_at).strftime("%Y-%m-%d %H:%M")})
    if outcome not in StepOutcome.values:
        raise ValidationError({"outcome": _("Choose the review's outcome.")})
    if outcome != StepOutcome.PASSED and not notes.strip():
        raise ValidationError({"notes": _("Say what the centre must improve.")})
    review.notes = notes
    _finish(review, user, outcome)
    review.save()
    _log("remote_review_recorded", gettext_noop("%(step)s: %(outcome)s"), review, user,
         outcome=audit.choice_label(review, "outcome"))
    return review
