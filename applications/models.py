"""Programmes and their versioned question sets; a facility's application and its answers."""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from assessment.workflow import AssessmentWorkflow, Status
from facilities.tenancy import TenantQuerySet

ANSWER_TEXT_LIMIT = 10_000


class Programme(models.Model):
    """An accreditation programme: data, not code (IO accreditation, SRS certification, ...)."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    full_name = models.CharField(max_length=200)
    award_validity_years = models.PositiveSmallIntegerField(help_text=_("How long an award is valid."))
    award_title = models.CharField(max_length=100, default="Accredited Centre", help_text=_("What the certificate calls an awarded centre."))
    has_case_review = models.BooleanField(default=False, help_text=_("Applications include the internal case review."))
    assessment_steps = models.JSONField(default=list, blank=True, help_text=_("The steps an assessment has, in order."))
    is_open_for_registration = models.BooleanField(default=True)
    fresh_assessors_after_decision = models.BooleanField(
        default=False, help_text=_("The assessors of a facility's last decision may not assess its next application."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def current_question_set(self):
        return self.question_sets.filter(is_current=True).order_by("-version").first()


class QuestionSet(models.Model):
    """One version of a programme's standards and questions. An application keeps the version it started with."""

    programme = models.ForeignKey(Programme, models.PROTECT, related_name="question_sets")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=False, help_text=_("New applications use the current version."))
    notes = models.TextField(blank=True, help_text=_("How this version was put together, e.g. the core reconciliation."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="unique_question_set_version"),
            models.UniqueConstraint(
                fields=["programme"], condition=models.Q(is_current=True), name="one_current_question_set"
            ),
        ]

    def __str__(self):
        return f"{self.programme} v{self.version}"


class Standard(models.Model):
    question_set = models.ForeignKey(QuestionSet, models.CASCADE, related_name="standards")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    section = models.CharField(max_length=100, blank=True, help_text=_("The group of standards it belongs to."))

    class Meta:
        ordering = ["question_set", "number"]
        constraints = [models.UniqueConstraint(fields=["question_set", "number"], name="unique_standard_number")]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Question(models.Model):
    """A Yes/No question about one criterion, with an evidence box and, where it asks, an explanation box."""

    standard = models.ForeignKey(Standard, models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    criterion = models.CharField(max_length=10, help_text=_("The criterion it asks about, e.g. 3(c)."))
    is_core = models.BooleanField(_("core criterion"), default=False)
    text = models.TextField()
    explanation_prompt = models.TextField(
        blank=True, help_text=_("What to explain; leave empty when the question has no explanation box.")
    )
    evidence_help = models.TextField(help_text=_("What evidence satisfies the assessors."))
    is_case_review = models.BooleanField(
        default=False, help_text=_("Answered from the internal case review; complete only with a complete review.")
    )

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="unique_question_number")]

    def __str__(self):
        return f"Q{self.number} {self.criterion}"

    @property
    def asks_explanation(self):
        return bool(self.explanation_prompt.strip())


class ApplicationQuerySet(TenantQuerySet):
    assessor_path = "pk"


class Application(AssessmentWorkflow):
    """A facility's application; its status and every move of it live in assessment/workflow.py."""

    Status = Status

    facility = models.ForeignKey("facilities.Facility", models.PROTECT, related_name="applications")
    question_set = models.ForeignKey(QuestionSet, models.PROTECT, related_name="applications")
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # At re-accreditation a centre may seek Centre of Excellence: then every extended question counts too.
    seeks_excellence = models.BooleanField(_("applies for Centre of Excellence"), default=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        # The office's lists: newest first, in all statuses or in one (read backwards; pk breaks ties).
        indexes = [
            models.Index(fields=["started_at", "id"], name="application_started_order"),
            models.Index(fields=["status", "started_at", "id"], name="application_status_started"),
        ]
        permissions = [("assess_application", "Can assess this application (granted per object to its assessors)")]

    def __str__(self):
        return f"{self.facility} ({self.question_set})"

    def get_absolute_url(self):
        return reverse("office:application", args=[self.pk])

    @property
    def is_editable(self):
        return self.status == Status.DRAFT


class AnswerQuerySet(TenantQuerySet):
    facility_path = "application__facility"
    assessor_path = "application"


class Answer(models.Model):
    class Choice(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")

    application = models.ForeignKey(Application, models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, models.PROTECT, related_name="answers")
    choice = models.CharField(max_length=3, choices=Choice.choices, blank=True)
    evidence = models.TextField(blank=True, max_length=ANSWER_TEXT_LIMIT)
    explanation = models.TextField(blank=True, max_length=ANSWER_TEXT_LIMIT)
    # Optimistic concurrency: a save names the version it edited; a stale version is refused.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    objects = AnswerQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="one_answer_per_question")]

    def __str__(self):
        return f"{self.question}: {self.choice or '-'}"


class AnswerRevision(models.Model):
    """Every saved state of an answer: who changed what, and when. Append-only."""

    answer = models.ForeignKey(Answer, models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    choice = models.CharField(max_length=3, blank=True)
    evidence = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["answer", "version"], name="unique_answer_revision")]
