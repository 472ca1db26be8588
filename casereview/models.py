"""The internal case review: the minimum dataset (reference data) and a facility's 30 cases against it.

The portal stores whether a record holds each dataset item, never the clinical value itself.
"""
from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from facilities.tenancy import TenantQuerySet


class DatasetGroup(models.Model):
    """A heading of the minimum dataset (patient details, consent, ...) and the criterion it evidences."""

    code = models.SlugField(unique=True)
    title = models.CharField(max_length=100)
    criterion = models.CharField(max_length=10, help_text=_("The criterion its items evidence, e.g. 3(c)."))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.title} ({self.criterion})"


class DatasetItem(models.Model):
    """One item a patient record should hold. Deactivate it rather than delete it: cases refer to it."""

    group = models.ForeignKey(DatasetGroup, models.PROTECT, related_name="items")
    code = models.SlugField(unique=True)
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive items are no longer asked for nor counted.")
    )

    class Meta:
        ordering = ["group__position", "position", "pk"]

    def __str__(self):
        return self.label


class CaseReviewQuerySet(TenantQuerySet):
    facility_path = "application__facility"
    assessor_path = "application"


class CaseReview(models.Model):
    """An application's case review; how its cases were drawn is in its draws (the eligible list itself is never kept)."""

    application = models.OneToOneField("applications.Application", models.CASCADE, related_name="case_review")

    objects = CaseReviewQuerySet.as_manager()

    def __str__(self):
        return f"Case review of {self.application}"


class CaseDraw(models.Model):
    """One random draw of a review's cases: the portal's seed, the list's size and fingerprint, and what it gave.

    Append-only: a second draw (which needs a reason) replaces the drawn cases, never the record of the first,
    so an auditor can repeat every draw.
    """

    review = models.ForeignKey(CaseReview, models.CASCADE, related_name="draws")
    number = models.PositiveSmallIntegerField()
    seed = models.PositiveBigIntegerField()
    list_size = models.PositiveIntegerField()
    list_sha256 = models.CharField(max_length=64)
    record_identifiers = models.JSONField(default=list, help_text=_("The records drawn, in the order drawn."))
    reason = models.TextField(blank=True, help_text=_("Why the cases were drawn again; empty for the first draw."))
    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="unique_draw_number_per_review")]

    def __str__(self):
        return f"Draw {self.number} of {self.review}"


class ReviewCaseQuerySet(TenantQuerySet):
    facility_path = "review__application__facility"
    assessor_path = "review__application"


class ReviewCase(models.Model):
    review = models.ForeignKey(CaseReview, models.CASCADE, related_name="cases")
    record_identifier = models.CharField(
        _("record identifier"),
        max_length=64,
        help_text=_("Your own record or case number, so an auditor can find the file later. Never the patient's name."),
    )
    procedure_date = models.DateField(_("procedure date"), null=True, blank=True)
    tumour_type = models.CharField(
        _("tumour type"), max_length=100, blank=True, help_text=_("The primary site, e.g. liver or colorectal.")
    )
    present_items = models.ManyToManyField(DatasetItem, blank=True, related_name="cases")
    checked = models.BooleanField(_("checked against every item"), default=False)
    drawn = models.BooleanField(default=False, help_text=_("Drawn at random by the portal rather than entered."))
    # Optimistic concurrency, as for answers: a save names the version it edited.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ReviewCaseQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            # "AB-12" and "ab-12" are the same record in any hospital system.
            models.UniqueConstraint(Lower("record_identifier"), "review", name="unique_case_identifier_per_review"),
        ]

    def __str__(self):
        return self.record_identifier

    @property
    def is_complete(self):
        return bool(self.record_identifier and self.procedure_date and self.tumour_type and self.checked)


class ReviewCaseRevision(models.Model):
    """Every saved state of a case's checklist: who changed what, and when. Append-only, like answers'."""

    case = models.ForeignKey(ReviewCase, models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    record_identifier = models.CharField(max_length=64)
    procedure_date = models.DateField(null=True, blank=True)
    tumour_type = models.CharField(max_length=100, blank=True)
    present_items = models.JSONField(default=list, help_text=_("Codes of the items the record held."))
    checked = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="unique_case_revision")]


class CaseReviewExport(models.Model):
    """A PDF of the case review as it stood when asked for, rendered by the worker (casereview.tasks).

    ``fingerprint`` names that state (cases and their versions, draws, the dataset, the application's status), so
    asking again before anything changed serves the same file instead of rendering it anew.
    """

    application = models.ForeignKey("applications.Application", models.CASCADE, related_name="case_review_exports")
    fingerprint = models.CharField(max_length=64)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    pdf = models.FileField(upload_to="exports/case-review/", blank=True)

    class Meta:
        indexes = [models.Index(fields=["application", "fingerprint"], name="case_review_export_state")]

    def __str__(self):
        return f"Case review export {self.pk} of {self.application}"
