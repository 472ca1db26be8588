"""The office's figures, each a table (one query) that the report page draws and the CSV download exports.

Every figure reads only what ``user`` may see (``visible_to``), so a figure never counts a row its reader's
lists would not show.
"""
from dataclasses import dataclass
from datetime import timedelta

import tablib
from django.db.models import Count, F, Q, Window
from django.db.models.functions import Lead, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications.models import Application, WorkflowEvent
from applications.workflow import Status
from assessment.models import Decision
from facilities.models import User

# An assessor's assignment is open while the application can still need them (a plan after a deferral brings
# them back, but until it comes the facility owes it, not they).
OPEN_FOR_ASSESSORS = [status for status in Status.values if status not in (
    Status.DRAFT, Status.APPROVED, Status.DEFERRED, Status.DENIED)]


@dataclass
class Figure:
    """A table: a label per row and one number per series; the chart draws the series as bars."""

    slug: str
    title: str
    description: str
    label_heading: str
    series: list
    rows: list  # [(label, [value per series])]
    colours: list  # one per series the chart draws (the first ones; the others are in the table only)

    @property
    def headers(self):
        return [self.label_heading, *self.series]

    def dataset(self):
        return tablib.Dataset(*[(label, *values) for label, values in self.rows], headers=self.headers)


def applications_per_status(user, today):
    counts = dict(Application.objects.visible_to(user).values_list("status").annotate(n=Count("pk")).order_by())
    return Figure(
        "applications-per-status", _("Applications per status"),
        _("How many applications are in each status now."),
        _("Status"), [_("Applications")],
        [(label, [counts.get(value, 0)]) for value, label in Status.choices],
        ["brand"],
    )


def percentile(values, fraction):
    """Linear interpolation between the closest ranks (as PostgreSQL's percentile_cont and numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def days_per_step(user, today):
    """Median and 90th percentile of the days spent in each status, over the steps left in the last 12 months.

    A step runs from the workflow event that entered a status to the next one; steps still under way are not
    counted (the turnaround card shows those).
    """
    since = timezone.now() - timedelta(days=365)
    left = WorkflowEvent.objects.visible_to(user).annotate(
        left_at=Window(Lead("created_at"), partition_by=[F("application_id")], order_by=[F("created_at").asc(), F("pk").asc()])
    ).filter(left_at__gte=since).values_list("to_status", "created_at", "left_at")
    durations = {}
    for status, entered, left_at in left:
        durations.setdefault(status, []).append((left_at - entered).total_seconds() / 86400)
    rows = []
    for value, label in Status.choices:
        if value in durations:
            days = durations[value]
            rows.append((label, [round(percentile(days, 0.5), 1), round(percentile(days, 0.9), 1), len(days)]))
    return Figure(
        "days-per-step", _("Days per step, last 12 months"),
        _("Median and 90th percentile of the days applications spent in each status, for the steps completed in the last 12 months."),
        _("Step"), [_("Median days"), _("90th percentile days"), _("Steps completed")],
        rows, ["brand", "extended"],
    )


def months_up_to(today, count=12):
    """The first days of the last ``count`` months, oldest first, this month last."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months[::-1]


def decisions_per_month(user, today):
    months = months_up_to(today)
    counts = {
        (row["month"], row["outcome"]): row["n"]
        for row in Decision.objects.visible_to(user).filter(decided_on__gte=months[0]).annotate(
            month=TruncMonth("decided_on")
        ).values("month", "outcome").annotate(n=Count("pk")).order_by()
    }
    outcomes = Decision.Outcome
    return Figure(
        "decisions-per-month", _("Decisions per month"),
        _("The chairperson's decisions in each of the last 12 months, by outcome."),
        _("Month"), [label for _value, label in outcomes.choices],
        [(date_format(month, "YEAR_MONTH_FORMAT"), [counts.get((month, value), 0) for value in outcomes.values])
         for month in months],
        ["ok", "warn", "bad"],
    )


def assessor_workload(user, today):
    assessors = User.objects.filter(is_assessor=True, is_active=True).annotate(
        open=Count("assignments", filter=Q(assignments__application__status__in=OPEN_FOR_ASSESSORS))
    ).order_by("-open", "last_name", "first_name", "pk")
    return Figure(
        "assessor-workload", _("Assessor workload"),
        _("Open assignments per assessor: applications assigned to them whose assessment is under way."),
        _("Assessor"), [_("Open assignments")],
        [(str(assessor), [assessor.open]) for assessor in assessors],
        ["extended"],
    )


FIGURES = {
    "applications-per-status": applications_per_status,
    "days-per-step": days_per_step,
    "decisions-per-month": decisions_per_month,
    "assessor-workload": assessor_workload,
}
