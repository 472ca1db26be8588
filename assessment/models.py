"""Assessment of a submitted application: assessors, rounds, verdicts and replies, audits, decisions, plans."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from facilities.tenancy import TenantQuerySet

from .workflow import JOINT_ASSESSOR_MOVES, Status

User = settings.AUTH_USER_MODEL


class ApplicationScopedQuerySet(TenantQuerySet):
    """Rows of one application: its facility's staff, its assigned assessors and the office see them."""

    facility_path = "application__facility"
    assessor_path = "application"


class WorkflowEvent(models.Model):
    """One move of the workflow: the timeline's backbone. Written only by workflow.advance."""

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="workflow_events")
    transition = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, choices=Status.choices)
    to_status = models.CharField(max_length=30, choices=Status.choices)
    actor = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
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
        ordering = ["created_at", "pk"]

    @property
    def actor_as_the_facility_knows(self):
        """The facility never learns who its assessors are: a move of theirs was taken by "the assessors"."""
        if self.actor and self.actor.is_assessor:
            return _("the assessors") if self.transition in JOINT_ASSESSOR_MOVES else _("an assessor")
        return self.actor


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
    """A remote audit (video conference, after two rounds), an on-site audit (after a denial), or one of the
    visits a programme's assessment includes (SRS certification: site visit, dosimetry audit, remote review)."""

    class Kind(models.TextChoices):
        REMOTE = "remote", _("Remote audit")
        ON_SITE = "on_site", _("On-site audit")
        SITE_VISIT = "site_visit", _("Site visit by an expert physicist")
        DOSIMETRY = "dosimetry_audit", _("End-to-end dosimetry audit")
        REMOTE_REVIEW = "remote_review", _("Remote physician review by video")

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
    granted_on = models.DateField()
    expires_on = models.DateField()
    certificate = models.FileField(upload_to=certificate_path, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_on"]


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
