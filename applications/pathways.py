"""A programme's pathway: the ordered steps of an assessment, as versioned data the office edits.

An application keeps the pathway version it was opened on (``Application.pathway``); a new version is a new
pathway, as with question sets. What each step kind records, and when a step counts as done, is
assessment/steps.py's business.
"""
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# A round is a row of assessment.Round, whose constraint allows two (the manual's "at most two rounds").
MAX_REVIEW_ROUNDS = 2


class AssessmentPath(models.TextChoices):
    """Which of its pathway's steps an assessment follows. A re-accreditation whose centre declared no major change
    follows the streamlined path where its pathway has one (applications.services.start_reaccreditation)."""

    FULL = "full", _("Full assessment")
    STREAMLINED = "streamlined", _("Streamlined re-certification")


class Pathway(models.Model):
    """One version of a programme's assessment steps, with the tolerances its dosimetry audit is judged by."""

    programme = models.ForeignKey("applications.Programme", models.PROTECT, related_name="pathways")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=False, help_text=_("New applications follow the current version."))
    review_rounds = models.PositiveSmallIntegerField(
        _("review rounds"), default=2, validators=[MinValueValidator(1), MaxValueValidator(MAX_REVIEW_ROUNDS)],
        help_text=_("How many rounds of questions the assessors may ask before they recommend (one or two)."),
    )
    dose_tolerance_percent = models.DecimalField(
        _("dose tolerance (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("A dosimetry measurement passes when its dose deviates by at most this much from the plan."),
    )
    position_tolerance_mm = models.DecimalField(
        _("position tolerance (mm)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("A dosimetry measurement passes when its position is at most this far from the plan."),
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="unique_pathway_version"),
            models.UniqueConstraint(fields=["programme"], condition=models.Q(is_current=True), name="one_current_pathway"),
        ]

    def __str__(self):
        return f"{self.programme} pathway v{self.version}"

    def offers_streamlined_path(self):
        """Whether some step belongs to one path only; otherwise both paths are the same and there is no shorter one."""
        return any(step.path for step in self.steps.all())

    def steps_of_path(self, path):
        """The steps an assessment on ``path`` (AssessmentPath) follows, in order."""
        return [step for step in self.steps.all() if step.path in ("", path)]


class PathwayStep(models.Model):
    """One step of a pathway, in order; ``is_required`` steps need an outcome before the chairperson decides.

    ``path`` puts a step on one path only: a streamlined re-certification skips the full path's steps and follows
    its own (SRS: a postal dosimetry audit, a row of its own beside the physical one, so that each keeps its title
    and its record on every page). A pathway has at most one step of a kind on each path.
    """

    class Kind(models.TextChoices):
        REVIEW_ROUNDS = "review_rounds", _("Review rounds")
        REMOTE_AUDIT = "remote_audit", _("Remote audit")
        SITE_VISIT = "site_visit", _("Site visit")
        DOSIMETRY_AUDIT = "dosimetry_audit", _("Dosimetry audit")
        REMOTE_REVIEW = "remote_review", _("Remote clinician review")

    class Condition(models.TextChoices):
        ALWAYS = "", _("Always")
        UNCLEAR_AFTER_ROUNDS = "unclear_after_rounds", _("Only when questions are still unclear after the rounds")

    pathway = models.ForeignKey(Pathway, models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    is_required = models.BooleanField(_("required before a decision"), default=True)
    condition = models.CharField(max_length=30, choices=Condition.choices, blank=True, default=Condition.ALWAYS)
    path = models.CharField(
        _("assessment path"), max_length=20, blank=True, default="",
        choices=[("", _("Both paths"))] + AssessmentPath.choices,
        help_text=_("Full assessment: skipped by a streamlined re-certification. Streamlined re-certification: part of "
                    "the shorter path only, which centres without major changes follow. A pathway offers the shorter "
                    "path when at least one step belongs to one path only."),
    )

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "position"], name="unique_step_position"),
            models.UniqueConstraint(fields=["pathway", "kind", "path"], name="one_step_of_each_kind_per_path"),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"

    def clean(self):
        # Both-paths steps share each path with the steps of one path only.
        paths = ("", self.path) if self.path else ("", *AssessmentPath.values)
        same_kind = PathwayStep.objects.filter(pathway_id=self.pathway_id, kind=self.kind, path__in=paths)
        if self.pathway_id and same_kind.exclude(pk=self.pk).exists():
            raise ValidationError(_("A path has at most one step of each kind."))


class FindingArea(models.Model):
    """An area a site visit gives a finding on (patient selection, treatment planning, ...)."""

    step = models.ForeignKey(PathwayStep, models.CASCADE, related_name="areas")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["step", "number"]
        constraints = [models.UniqueConstraint(fields=["step", "number"], name="unique_finding_area_number")]

    def __str__(self):
        return self.name
