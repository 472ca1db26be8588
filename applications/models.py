"""Programmes and their versioned question sets; a facility's application and its answers."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from facilities.tenancy import TenantQuerySet

from .pathways import AssessmentPath, FindingArea, Pathway, PathwayStep  # noqa: F401  (models of this app)
from .workflow import JOINT_ASSESSOR_MOVES, AssessmentWorkflow, Status

ANSWER_TEXT_LIMIT = 10_000


class Programme(models.Model):
    """An accreditation programme: data, not code (IO accreditation, SRS certification, ...)."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    full_name = models.CharField(max_length=200)
    award_validity_years = models.PositiveSmallIntegerField(help_text=_("How long an award is valid."))
    award_title = models.CharField(max_length=100, default="Accredited Centre", help_text=_("What the certificate calls an awarded centre."))
    has_case_review = models.BooleanField(default=False, help_text=_("Applications include the internal case review."))
    is_open_for_registration = models.BooleanField(default=True)
    # What must precede a deferral or denial, read by assessment/awards.py adverse_decision_ready.
    rounds_before_adverse_decision = models.PositiveSmallIntegerField(
        default=0, help_text=_("Review rounds closed before the chairperson defers or denies without a written reason."))
    remote_audit_before_adverse_decision = models.BooleanField(
        default=False, help_text=_("A remote audit with its outcome precedes a deferral or denial without a written reason."))
    fresh_assessors_after_decision = models.BooleanField(
        default=False, help_text=_("The assessors of a facility's last decision may not assess its next application."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def current_question_set(self):
        return self.question_sets.filter(is_current=True).order_by("-version").first()

    def current_pathway(self):
        return self.pathways.filter(is_current=True).order_by("-version").first()


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


class DepartmentChange(models.TextChoices):
    """The parts of a department whose substantial change calls for the full assessment again."""

    EQUIPMENT = "equipment", _("Equipment (e.g. a new treatment platform)")
    TEAM = "team", _("Team (e.g. a new lead clinician or physicist)")
    TECHNIQUE = "technique", _("Technique (e.g. a new way of planning or delivering treatment)")


class Application(AssessmentWorkflow):
    """A facility's application; its status and every move of it live in applications/workflow.py."""

    Status = Status

    facility = models.ForeignKey("facilities.Facility", models.PROTECT, related_name="applications")
    # The facility's enrolment in the question set's programme: each enrolment has its own applications.
    enrolment = models.ForeignKey("facilities.Enrolment", models.PROTECT, related_name="applications")
    question_set = models.ForeignKey(QuestionSet, models.PROTECT, related_name="applications")
    # The steps its assessment follows: the programme's current pathway when it was opened, kept thereafter.
    pathway = models.ForeignKey(Pathway, models.PROTECT, related_name="applications")
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # At re-accreditation a centre may seek Centre of Excellence: then every extended question counts too.
    seeks_excellence = models.BooleanField(_("applies for Centre of Excellence"), default=False)
    # A re-accreditation renews the application that led to the award; it starts from a copy of its answers.
    renews = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="renewals")
    # What the centre declared had changed substantially since that assessment (codes of DepartmentChange).
    department_changes = models.JSONField(default=list, blank=True)
    department_changes_described = models.TextField(_("what changed"), blank=True, max_length=ANSWER_TEXT_LIMIT)
    # Which of the pathway's steps the assessment follows; decided once, when a re-accreditation starts.
    assessment_path = models.CharField(
        _("assessment path"), max_length=20, choices=AssessmentPath.choices, default=AssessmentPath.FULL)

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

    def save(self, *args, **kwargs):
        if self.enrolment_id is None:
            # It belongs to the facility's enrolment in the programme of its question set (there is one at most).
            self.enrolment = self.facility.enrolments.get(programme_id=self.question_set.programme_id)
        if self.pathway_id is None:
            self.pathway = self.question_set.programme.current_pathway()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("office:application", args=[self.pk])

    @property
    def is_editable(self):
        return self.status == Status.DRAFT

    @property
    def is_streamlined(self):
        return self.assessment_path == AssessmentPath.STREAMLINED

    def department_change_labels(self):
        return [DepartmentChange(code).label for code in self.department_changes]

    def path_steps(self):
        """The steps of its pathway that its assessment path includes, in order."""
        return self.pathway.steps_of_path(self.assessment_path)


class ApplicationScopedQuerySet(TenantQuerySet):
    """Rows of one application: its facility's staff, its assigned assessors and the office see them."""

    facility_path = "application__facility"
    assessor_path = "application"


class WorkflowEvent(models.Model):
    """One move of the workflow: the timeline's backbone. Written only by workflow.advance.

    Its table keeps the name it had when the model lived in assessment (applications migration 0011).
    """

    application = models.ForeignKey(Application, models.CASCADE, related_name="workflow_events")
    transition = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, choices=Status.choices)
    to_status = models.CharField(max_length=30, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    summary = models.CharField(max_length=300)  # an English template (gettext_noop), see summary_text
    summary_args = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationScopedQuerySet.as_manager()

    def summary_text(self):
        """The timeline's line in the reader's language: stored as its template and values, translated when read."""
        text = gettext(self.summary)
        return text % self.summary_args if self.summary_args else text

    class Meta:
        db_table = "assessment_workflowevent"
        ordering = ["created_at", "pk"]

    @property
    def actor_as_the_facility_knows(self):
        """The facility never learns who its assessors are: a move of theirs was taken by "the assessors"."""
        if self.actor and self.actor.is_assessor:
            return _("the assessors") if self.transition in JOINT_ASSESSOR_MOVES else _("an assessor")
        return self.actor


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
    # Carried over from the application this one renews: counts as incomplete until the facility saves it again.
    needs_review = models.BooleanField(default=False)

    objects = ApplicationScopedQuerySet.as_manager()

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


class AwardTier(models.Model):
    """An award a programme grants (IO: Accredited Centre, Centre of Excellence; SRS: Certified Centre).

    Data the office edits; the rules that read it (who may seek a tier, what its assessment needs) are in
    assessment/awards.py. The tier without requirements is the programme's base award.
    """

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="award_tiers")
    code = models.SlugField()
    title = models.CharField(max_length=100, help_text=_("What the certificate, the seal and the e-mails call the award."))
    validity_years = models.PositiveSmallIntegerField(help_text=_("How long the award is valid."))
    requires_extended_criteria = models.BooleanField(
        default=False, help_text=_("The assessors give verdicts on the extended criteria too, not only the core."))
    requires_full_prior_period = models.BooleanField(
        default=False, help_text=_("Only a centre that has held the programme's base award for its full period may seek it."))
    certificate_text = models.CharField(
        max_length=300,
        help_text=_("The certificate's sentence after the centre's name; %(granted)s and %(expires)s stand for the dates."),
    )
    position = models.PositiveSmallIntegerField(default=0, help_text=_("Lower first; the base award comes first."))

    class Meta:
        ordering = ["programme", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="unique_award_tier_code")]

    def __str__(self):
        return f"{self.programme}: {self.title}"

    def clean(self):
        """The certificate's sentence is filled with the dates when the PDF is rendered: in every language it must
        take exactly those two placeholders, or the rendering would fail."""
        from django.core.exceptions import ValidationError

        for code, _name in settings.LANGUAGES:
            column = f"certificate_text_{code}"
            try:
                (getattr(self, column, None) or "") % {"granted": "", "expires": ""}
            except (KeyError, ValueError, TypeError):
                raise ValidationError({column: _("Use only %(granted)s and %(expires)s as placeholders.")})


class RegistrationRequirement(models.Model):
    """What a programme asks of a facility before it may register: the office edits these in the admin.

    A requirement is a number the facility states with a minimum (IO: therapeutic procedures a year), a
    statement it must confirm (the head of department's approval), or a text it must give (the SRS platform).
    What a facility answered is kept as an EnrolmentDeclaration with the wording it answered, so changing a
    requirement later changes new registrations only.
    """

    class Kind(models.TextChoices):
        MINIMUM = "minimum", _("A number with a minimum")
        CONFIRMATION = "confirmation", _("A statement to confirm")
        TEXT = "text", _("A text to give")

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="registration_requirements")
    position = models.PositiveSmallIntegerField(help_text=_("The order on the registration form."))
    code = models.SlugField(
        max_length=50, help_text=_("Names the answer in the facility's declarations; keep it once facilities have answered.")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)
    minimum = models.PositiveIntegerField(null=True, blank=True, help_text=_("For a number: the least accepted."))
    unmet_message = models.CharField(
        max_length=300, help_text=_("Shown when a facility's answer does not meet the requirement.")
    )

    class Meta:
        ordering = ["programme", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="unique_registration_requirement")]

    def __str__(self):
        return f"{self.programme}: {self.label}"

    def with_minimum(self, text):
        """The office's text with %(minimum)s as the minimum in force: changing the number needs no rewording."""
        return text.replace("%(minimum)s", str(self.minimum)) if self.minimum is not None else text

    def clean(self):
        from facilities.forms import registration_field_names  # forms need the app registry: not at import time

        if (self.kind == self.Kind.MINIMUM) != (self.minimum is not None):
            raise ValidationError({"minimum": _("A number needs its minimum; the other kinds have none.")})
        if self.code in registration_field_names():
            raise ValidationError({"code": _("The registration form already has a field of this name: choose another code.")})


class EnrolmentDeclaration(models.Model):
    """A facility's answer to one registration requirement of its programme, as the facility gave it."""

    facility = models.ForeignKey("facilities.Facility", models.CASCADE, related_name="enrolment_declarations")
    programme = models.ForeignKey(Programme, models.PROTECT, related_name="+")
    requirement = models.ForeignKey(RegistrationRequirement, models.SET_NULL, null=True, blank=True, related_name="declarations")
    code = models.SlugField(max_length=50)
    # The requirement's English wording when answered: the record stays readable if the office rewords or removes it.
    label = models.CharField(max_length=200)
    value = models.JSONField()  # a number, true, or a text, by the requirement's kind
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "programme", "requirement__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "programme", "code"], name="one_declaration_per_requirement"),
        ]

    def __str__(self):
        return f"{self.label}: {self.shown_value}"

    @property
    def shown_label(self):
        """The requirement's wording in the reader's language while it exists; else the wording kept."""
        return self.requirement.label if self.requirement else self.label

    @property
    def shown_value(self):
        if self.value is True:
            return gettext("Yes")
        if self.value is False:
            return gettext("No")
        return self.value
