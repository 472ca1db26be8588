"""Assessment of a submitted application: assessors, rounds, verdicts and replies, audits, decisions, plans."""
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from applications.models import ApplicationScopedQuerySet
from applications.workflow import Status
from facilities.tenancy import TenantQuerySet

User = settings.AUTH_USER_MODEL


class Assignment(models.Model):
    """One of the two assessors of an application. Slots 1 and 2 only: a third cannot exist."""

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="assignments")
    assessor = models.ForeignKey(User, models.PROTECT, related_name="assignments")
    slot = models.PositiveSmallIntegerField()
    assigned_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["slot"]
        constraints = [
            models.UniqueConstraint(fields=["application", "slot"], name="one_assessor_per_slot"),
            models.UniqueConstraint(fields=["application", "assessor"], name="assessor_once_per_application"),
            models.CheckConstraint(condition=models.Q(slot__in=[1, 2]), name="two_assessor_slots"),
        ]

    def __str__(self):
        return f"{self.assessor} on {self.application}"


class Round(models.Model):
    """A round of assessment (at most two). The facility's replies are due two weeks after it closes."""

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reply_due = models.DateField(null=True, blank=True)
    resubmitted_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="unique_round_number"),
            models.CheckConstraint(condition=models.Q(number__in=[1, 2]), name="at_most_two_rounds"),
        ]

    def __str__(self):
        return f"Round {self.number}"


class RoundCompletion(models.Model):
    """An assessor has finished their part of a round; until both have, neither sees the other's verdicts."""

    round = models.ForeignKey(Round, models.CASCADE, related_name="completions")
    assessor = models.ForeignKey(User, models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "assessor"], name="one_completion_per_assessor")]


class VerdictQuerySet(ApplicationScopedQuerySet):
    facility_path = "round__application__facility"
    assessor_path = "round__application"


class Verdict(models.Model):
    class Outcome(models.TextChoices):
        MET = "met", _("Criterion met")
        NOT_MET = "not_met", _("Criterion not met")
        CLARIFICATION = "clarification", _("Clarification needed")

    round = models.ForeignKey(Round, models.CASCADE, related_name="verdicts")
    assessor = models.ForeignKey(User, models.PROTECT, related_name="+")
    question = models.ForeignKey("applications.Question", models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    comment = models.TextField(blank=True, max_length=10_000)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VerdictQuerySet.as_manager()

    class Meta:
        ordering = ["question__number", "assessor_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "assessor", "question"], name="one_verdict_per_question")
        ]


class ReplyQuerySet(ApplicationScopedQuerySet):
    facility_path = "verdict__round__application__facility"
    assessor_path = "verdict__round__application"


def evidence_path(reply, filename):
    # A random part keeps stored names unguessable wherever storage is exposed (bucket listings).
    return f"evidence/{reply.verdict.round.application_id}/{uuid.uuid4().hex[:12]}-{filename}"


class Reply(models.Model):
    """The facility's answer to one assessor comment; late when written after the reply due date."""

    verdict = models.ForeignKey(Verdict, models.CASCADE, related_name="replies")
    author = models.ForeignKey(User, models.PROTECT, related_name="+")
    text = models.TextField(max_length=10_000)
    evidence = models.FileField(upload_to=evidence_path, blank=True)
    is_late = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]


class Audit(models.Model):
    """A remote audit (video conference, after the review rounds) or an on-site audit (after a denial).

    The other steps of a pathway have records of their own: SiteVisit, DosimetryAudit, RemoteReview."""

    class Kind(models.TextChoices):
        REMOTE = "remote", _("Remote audit")
        ON_SITE = "on_site", _("On-site audit")

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="audits")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    scheduled_for = models.DateTimeField()
    video_link = models.URLField(blank=True)
    participants = models.TextField(help_text=_("Who takes part: names and roles, one per line."))
    scheduled_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    outcome = models.TextField(blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_for"]


class StepOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    NOT_PASSED = "not_passed", _("Not passed")


class PathwayStepRecord(models.Model):
    """What every record of a pathway step has: its application and step, the expert (one of the application's
    assessors) who holds it, and its outcome once recorded. One record per step of an application."""

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="%(class)ss")
    step = models.ForeignKey("applications.PathwayStep", models.PROTECT, related_name="+")
    expert = models.ForeignKey(User, models.PROTECT, related_name="+")
    scheduled_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=StepOutcome.choices, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["application", "step"], name="%(class)s_once_per_step"),
        ]

    @property
    def passed(self):
        return self.outcome == StepOutcome.PASSED


class SiteVisit(PathwayStepRecord):
    """A visit of the centre by an expert physicist, over days (two for SRS), with a finding per area."""

    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    agenda = models.TextField(_("agenda"), max_length=10_000)
    outcome_note = models.TextField(blank=True, max_length=10_000)

    def get_absolute_url(self):
        return reverse("assessment:site_visit", args=[self.pk])

    class Meta(PathwayStepRecord.Meta):
        constraints = PathwayStepRecord.Meta.constraints + [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="site_visit_ends_after_start"),
        ]


class SiteVisitFinding(models.Model):
    """The physicist's finding on one area of the visit: met or not met, and why."""

    visit = models.ForeignKey(SiteVisit, models.CASCADE, related_name="findings")
    area = models.ForeignKey("applications.FindingArea", models.PROTECT, related_name="+")
    is_met = models.BooleanField()
    comment = models.TextField(blank=True, max_length=10_000)

    class Meta:
        ordering = ["area__number"]
        constraints = [models.UniqueConstraint(fields=["visit", "area"], name="one_finding_per_area")]


class DosimetryAudit(PathwayStepRecord):
    """A physical end-to-end dosimetry audit: measurement points judged against the pathway's tolerances."""

    performed_on = models.DateField(_("date of the measurements"))

    def get_absolute_url(self):
        return reverse("assessment:dosimetry_audit", args=[self.pk])


class DosimetryPoint(models.Model):
    """One measurement: planned against measured dose, and optionally position (x, y, z in mm).

    A re-measurement is a new point naming the one it repeats and why; the original stays as it was measured.
    """

    audit = models.ForeignKey(DosimetryAudit, models.CASCADE, related_name="points")
    label = models.CharField(_("measurement point"), max_length=100)
    planned_dose_gy = models.DecimalField(_("planned dose (Gy)"), max_digits=7, decimal_places=3)
    measured_dose_gy = models.DecimalField(_("measured dose (Gy)"), max_digits=7, decimal_places=3)
    planned_x_mm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    planned_y_mm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    planned_z_mm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    measured_x_mm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    measured_y_mm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    measured_z_mm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    remeasures = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="remeasurements")
    justification = models.TextField(blank=True, max_length=10_000)
    recorded_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(planned_dose_gy__gt=0), name="planned_dose_positive"),
            models.CheckConstraint(condition=models.Q(measured_dose_gy__gte=0), name="measured_dose_not_negative"),
            models.CheckConstraint(condition=models.Q(remeasures__isnull=True) | ~models.Q(justification=""),
                                   name="remeasurement_justified"),
        ]

    @property
    def planned_position(self):
        return (self.planned_x_mm, self.planned_y_mm, self.planned_z_mm)

    @property
    def measured_position(self):
        return (self.measured_x_mm, self.measured_y_mm, self.measured_z_mm)

    @property
    def has_position(self):
        return self.planned_x_mm is not None


class RemoteReview(PathwayStepRecord):
    """A review of the centre's practice by an expert clinician (an SRS physician) over video."""

    held_at = models.DateTimeField(_("date and time"))
    video_link = models.URLField(_("video conference link"))
    notes = models.TextField(_("notes"), blank=True, max_length=10_000)

    def get_absolute_url(self):
        return reverse("assessment:remote_review", args=[self.pk])


class Recommendation(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve accreditation")
        DEFER = "defer", _("Defer")
        DENY = "deny", _("Deny")

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="recommendations")
    assessor = models.ForeignKey(User, models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    justification = models.TextField(max_length=10_000)
    # A corrective action plan starts a new cycle of recommendations; earlier ones stay as history.
    cycle = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "assessor", "cycle"], name="one_recommendation_per_cycle")
        ]


class Decision(models.Model):
    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DEFERRED = "deferred", _("Deferred")
        DENIED = "denied", _("Denied")

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    report = models.TextField(blank=True, help_text=_("For a deferral or denial: what is missing for accreditation."))
    rationale = models.TextField(
        blank=True, help_text=_("Why the decision departs from both assessors' recommendations (required then)."),
    )
    early_reason = models.TextField(
        blank=True, help_text=_("Why the decision comes before the review rounds and remote audit the programme "
                                "sets before a deferral or denial (required then)."),
    )
    tier_reason = models.TextField(
        blank=True, help_text=_("Why an approval grants a lower award than the one sought (required then); the facility reads it."),
    )
    decided_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    decided_on = models.DateField()
    plan_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]


class CorrectiveActionPlan(models.Model):
    """The facility's plan after a deferral or denial (the manual's Appendix 5)."""

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="action_plans")
    decision = models.ForeignKey(Decision, models.PROTECT, related_name="action_plans")
    declined_criteria = models.TextField()
    issue_description = models.TextField()
    desired_outcome = models.TextField()
    submitted_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    is_late = models.BooleanField(default=False)

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at"]


class CorrectiveAction(models.Model):
    plan = models.ForeignKey(CorrectiveActionPlan, models.CASCADE, related_name="actions")
    strategic_action = models.TextField()
    person_responsible = models.CharField(max_length=200)
    resources_required = models.TextField(blank=True)
    due_date = models.DateField()
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["due_date", "pk"]


class PlanReview(models.Model):
    """An assessor's view of a plan: accepted, or evidence of its implementation requested."""

    class Outcome(models.TextChoices):
        ACCEPT = "accept", _("Accept the plan")
        EVIDENCE = "evidence", _("Ask for evidence of implementation")

    plan = models.ForeignKey(CorrectiveActionPlan, models.CASCADE, related_name="reviews")
    assessor = models.ForeignKey(User, models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "assessor"], name="one_plan_review_per_assessor")]


def certificate_path(award, filename):
    return f"certificates/{award.facility_id}/{uuid.uuid4().hex[:12]}-{filename}"


class Award(models.Model):
    """An accreditation granted by an approval; its certificate PDF is rendered by a Celery task."""

    facility = models.ForeignKey("facilities.Facility", models.PROTECT, related_name="awards")
    decision = models.OneToOneField(Decision, models.PROTECT, related_name="award")
    tier = models.ForeignKey("applications.AwardTier", models.PROTECT, related_name="awards")
    granted_on = models.DateField()
    expires_on = models.DateField()
    certificate = models.FileField(upload_to=certificate_path, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_on"]

    def certificate_statement(self):
        """The tier's certificate sentence with this award's dates, in the active language."""
        dates = {"granted": date_format(self.granted_on, "j F Y"), "expires": date_format(self.expires_on, "j F Y")}
        return self.tier.certificate_text % dates


class TurnaroundTarget(models.Model):
    """How many days a programme allows for one step of the assessment, or for the whole of it (no status).

    A step's clock starts when the application enters its status; the whole assessment's clock starts at
    submission and stops at the first decision. Data the office edits (assessment/data/turnaround_targets.json).
    """

    programme = models.ForeignKey("applications.Programme", models.CASCADE, related_name="turnaround_targets")
    status = models.CharField(
        max_length=30, choices=Status.choices, blank=True,
        help_text=_("The step this target holds; empty for the whole assessment, from submission to the decision."),
    )
    name = models.CharField(max_length=100, help_text=_("What has to happen in time, e.g. Assign two assessors."))
    days = models.PositiveSmallIntegerField(help_text=_("Calendar days allowed; late from the day after."))

    class Meta:
        ordering = ["programme", "days"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "status"], name="one_turnaround_target_per_step"),
            models.CheckConstraint(condition=models.Q(days__gt=0), name="turnaround_target_days_positive"),
        ]

    def __str__(self):
        return f"{self.programme}: {self.name} ({self.days})"

    def clean(self):
        # A draft's clock has not started and an approval is where the assessment ends: neither can be late.
        if self.status in (Status.DRAFT, Status.APPROVED):
            raise ValidationError({"status": _("A draft or an approved application has no step to finish in time.")})


# Matching assessors to applications (see assessment.matching) -------------------------------------------

class Expertise(models.Model):
    """A competence an application may need from its assessors: a procedure type, an SRS role. Office-edited data."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("expertise")

    def __str__(self):
        return self.name


class RequiredExpertise(models.Model):
    """Expertise a programme's assessment needs from one of its two assessors, and the step it is needed for."""

    programme = models.ForeignKey("applications.Programme", models.CASCADE, related_name="required_expertise")
    expertise = models.ForeignKey(Expertise, models.PROTECT, related_name="+")
    needed_for = models.CharField(_("needed for"), max_length=100, help_text=_("The step it is needed for, e.g. the site visit."))

    class Meta:
        ordering = ["programme", "expertise__name"]
        constraints = [models.UniqueConstraint(fields=["programme", "expertise"], name="expertise_required_once")]

    def __str__(self):
        return f"{self.programme}: {self.expertise} ({self.needed_for})"


class AssessorProfile(models.Model):
    """What matching knows of an assessor. An assessor without one is matched as if it were empty (capacity 3)."""

    assessor = models.OneToOneField(User, models.CASCADE, related_name="assessor_profile")
    programmes = models.ManyToManyField(
        "applications.Programme", blank=True, related_name="+", verbose_name=_("programmes"),
        help_text=_("The programmes you assess; none means any."),
    )
    expertise = models.ManyToManyField(Expertise, blank=True, related_name="assessors", verbose_name=_("expertise"))
    languages = models.JSONField(_("languages"), default=list, blank=True)  # codes of settings.LANGUAGES
    country = CountryField(_("country"), blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    conflict_facilities = models.ManyToManyField(
        "facilities.Facility", blank=True, related_name="+", verbose_name=_("facilities you have a conflict of interest with"),
    )
    conflict_institutions = models.TextField(
        _("institutions you have a conflict of interest with"), blank=True, help_text=_("One a line."),
    )
    conflict_countries = CountryField(_("countries you have a conflict of interest with"), multiple=True, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=3, help_text=_("How many applications you can assess at once."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessor__last_name", "assessor__first_name"]

    def __str__(self):
        return str(self.assessor)

    def conflict_institution_list(self):
        return [line.strip() for line in self.conflict_institutions.splitlines() if line.strip()]


class Unavailability(models.Model):
    """A period an assessor takes no new application (holidays, leave); both days included."""

    profile = models.ForeignKey(AssessorProfile, models.CASCADE, related_name="unavailability")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name_plural = _("unavailability")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="unavailability_ends_after_start")
        ]


class Declination(models.Model):
    """An assessor declined an assignment before giving verdicts; their assignment ended then."""

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="declinations")
    assessor = models.ForeignKey(User, models.PROTECT, related_name="declinations")
    slot = models.PositiveSmallIntegerField()
    reason = models.TextField(_("reason"), max_length=2000)
    declined_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-declined_at", "-pk"]
