"""How long an application has waited, at its current step and since submission, against its programme's targets.

Ages are whole calendar days in the portal's time zone: an application that entered a step on 1 March is on
day 14 of it on 15 March. A target of 14 days is met through day 14; on day 15 the application is late by one
day (late when ``days > target``).

A step's clock starts with the workflow event that entered the application's status (for rows written without
one, at submission); the whole assessment's clock starts at submission and stops at the first decision. Lists
read these through ``with_turnaround`` (one query however many rows) and ``attach_turnaround`` (one query for
the targets).
"""
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.db.models import Case, DateTimeField, DurationField, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.models import Application, WorkflowEvent
from applications.workflow import Status

from .models import Decision, TurnaroundTarget

DATA = Path(__file__).parent / "data"

# The statuses an application can have before its first decision: where the whole assessment's clock may run.
BEFORE_DECISION = [
    Status.SUBMITTED, Status.UNDER_REVIEW, Status.CLARIFICATION_REQUESTED, Status.REMOTE_AUDIT_REQUIRED,
    Status.REMOTE_AUDIT_SCHEDULED, Status.RECOMMENDATION, Status.AWAITING_DECISION,
]


def load_shipped_targets(programme_model, target_model):
    """Write the shipped programmes' targets (data/turnaround_targets.json, German names from its .de.json).

    Takes the models as arguments so a data migration can pass its historical ones; a programme missing from
    the database is skipped.
    """
    shipped = json.loads((DATA / "turnaround_targets.json").read_text(encoding="utf-8"))["programmes"]
    german = json.loads((DATA / "turnaround_targets.de.json").read_text(encoding="utf-8"))
    for code, targets in shipped.items():
        programme = programme_model.objects.filter(code=code).first()
        if programme is None:
            continue
        for target in targets:
            target_model.objects.update_or_create(
                programme=programme, status=target["status"],
                defaults={"name": target["name"], "name_en": target["name"], "name_de": german.get(target["name"]),
                          "days": target["days"]},
            )


@dataclass(frozen=True)
class Clock:
    """Days on one clock and the target it is held to (None: the step has no target)."""

    days: int
    target: TurnaroundTarget | None

    @property
    def is_late(self):
        return self.target is not None and self.days > self.target.days

    @property
    def days_late(self):
        return self.days - self.target.days if self.is_late else 0

    # The sentences are made here rather than in templates: a list of 50 rows renders them cheaply.
    @property
    def late_text(self):
        return ngettext("%(days)s day late", "%(days)s days late", self.days_late) % {"days": self.days_late}

    @property
    def day_of_text(self):
        return _("day %(days)s of %(target)s") % {"days": self.days, "target": self.target.days}


@dataclass(frozen=True)
class Turnaround:
    step: Clock
    total: Clock | None  # None while the assessment's clock does not run (no submission)

    @property
    def step_text(self):
        values = {"days": self.step.days, "target": self.step.target and self.step.target.days}
        if self.step.target:
            return ngettext("At this step for %(days)s of %(target)s day", "At this step for %(days)s of %(target)s days",
                            self.step.target.days) % values
        return ngettext("At this step for %(days)s day", "At this step for %(days)s days", self.step.days) % values

    @property
    def total_text(self):
        values = {"days": self.total.days, "target": self.total.target and self.total.target.days}
        if self.total.target:
            return ngettext("%(days)s of %(target)s day since submission", "%(days)s of %(target)s days since submission",
                            self.total.target.days) % values
        return ngettext("%(days)s day since submission", "%(days)s days since submission", self.total.days) % values

    @property
    def late(self):
        """The clock that is the most days late, or None when none is."""
        late = [clock for clock in (self.step, self.total) if clock and clock.is_late]
        return max(late, key=lambda clock: clock.days_late) if late else None


def days_since(moment, today):
    return (today - timezone.localdate(moment)).days


def targets_by_step(targets):
    """{(programme id, status): target}; the whole assessment's target under the status ""."""
    return {(target.programme_id, target.status): target for target in targets}


def with_turnaround(applications):
    """Annotate what ``turnaround_of`` reads: when the current step began, the programme, whether it is decided."""
    entered = WorkflowEvent.objects.filter(application=OuterRef("pk")).order_by("-created_at", "-pk").values("created_at")[:1]
    return applications.annotate(
        step_entered_at=Coalesce(Subquery(entered), "submitted_at", "started_at", output_field=DateTimeField()),
        turnaround_programme=F("question_set__programme_id"),
        is_decided=Exists(Decision.objects.filter(application=OuterRef("pk"))),
    )


def turnaround_of(application, targets, today):
    """The application's ages against ``targets`` (``targets_by_step``); None for a draft.

    ``application`` carries the annotations of ``with_turnaround``.
    """
    if application.status == Status.DRAFT:
        return None
    programme = application.turnaround_programme
    step = Clock(days_since(application.step_entered_at, today), targets.get((programme, application.status)))
    total = None
    if application.submitted_at:
        whole = None if application.is_decided else targets.get((programme, ""))
        total = Clock(days_since(application.submitted_at, today), whole)
    return Turnaround(step, total)


def attach_turnaround(applications, today=None):
    """Set ``.turnaround`` on each of ``applications`` (annotated by ``with_turnaround``; a list, a page or a query,
    which keeps the rows it read) and return it: one query for the targets."""
    today = today or timezone.localdate()
    rows = list(applications)
    programmes = {application.turnaround_programme for application in rows}
    targets = targets_by_step(TurnaroundTarget.objects.filter(programme__in=programmes)) if programmes else {}
    for application in rows:
        application.turnaround = turnaround_of(application, targets, today)
    return applications


def turnaround_of_application(application, today=None):
    """One application's ages, for its own pages: two queries."""
    annotated = with_turnaround(Application.objects.filter(pk=application.pk)).get()
    attach_turnaround([annotated], today)
    return annotated.turnaround


def start_of_day(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def late_applications(user, today=None):
    """Applications ``user`` sees that are past a target, the longest overdue first, as a query (for paging).

    The targets are read first (one query) and become constants of the query: each row's cutoffs (its step's and
    its whole assessment's) and allowances come from its programme and status. A step is late when the
    application was submitted before its cutoff and has not moved since (the latest move entered its status);
    the whole assessment when it was submitted before its cutoff and has no decision. ``late_since`` is when the
    earliest missed target fell due. The facilities come in a second query, for the page's rows only.
    """
    today = today or timezone.localdate()
    step_cutoff, step_allowed, whole_cutoff, whole_allowed = [], [], [], []
    statuses = set(BEFORE_DECISION)
    for target in TurnaroundTarget.objects.all():
        # Late from the day after the target's last day: entered before the start of (today - days).
        cutoff, allowed = Value(start_of_day(today - timedelta(days=target.days))), Value(timedelta(days=target.days))
        programme = Q(turnaround_programme=target.programme_id)
        if target.status:
            statuses.add(target.status)
            step_cutoff.append(When(programme & Q(status=target.status), then=cutoff))
            step_allowed.append(When(programme & Q(status=target.status), then=allowed))
        else:
            whole_cutoff.append(When(programme, then=cutoff))
            whole_allowed.append(When(programme, then=allowed))
    moved_since = WorkflowEvent.objects.filter(application=OuterRef("pk"), created_at__gte=OuterRef("step_cutoff"))
    late = with_turnaround(Application.objects.visible_to(user).filter(status__in=statuses)).alias(
        step_cutoff=Case(*step_cutoff, default=None, output_field=DateTimeField()),
        whole_cutoff=Case(*whole_cutoff, default=None, output_field=DateTimeField()),
    ).filter(
        Q(submitted_at__lt=F("step_cutoff")) & ~Exists(moved_since)
        | Q(submitted_at__lt=F("whole_cutoff"), is_decided=False)
    )
    step_due = F("step_entered_at") + Case(*step_allowed, default=None, output_field=DurationField())
    whole_due = F("submitted_at") + Case(
        When(is_decided=True, then=None), *whole_allowed, default=None, output_field=DurationField()
    )
    # NEVER stands in for a clock without a due date: LEAST would answer NULL for it on SQLite.
    return late.annotate(
        late_since=Least(Coalesce(step_due, Value(NEVER)), Coalesce(whole_due, Value(NEVER)), output_field=DateTimeField())
    ).prefetch_related("facility").order_by("late_since", "pk")


NEVER = datetime(9999, 1, 1, tzinfo=dt_timezone.utc)
