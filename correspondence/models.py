"""Messages between a facility and the office, documents both ways, and the ledger of reminders sent."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from facilities.tenancy import TenantQuerySet

MESSAGE_LIMIT = 10_000


class Message(models.Model):
    """One message in the thread between a facility and the office."""

    facility = models.ForeignKey("facilities.Facility", models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    # Kept on the row: the thread reads the same even if the author's role changes later.
    from_office = models.BooleanField()
    body = models.TextField(_("message"), max_length=MESSAGE_LIMIT)
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["facility", "from_office", "id"])]


class ReadMark(models.Model):
    """How far a person has read a facility's thread; later messages from the other side are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    facility = models.ForeignKey("facilities.Facility", models.CASCADE, related_name="+")
    last_read_message_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "facility"], name="one_read_mark_per_thread")]


def published_document_path(instance, filename):
    return f"documents/published/{filename}"


def facility_document_path(instance, filename):
    return f"documents/facility-{instance.facility_id}/{filename}"


class StoredFile(models.Model):
    """A checked upload (see accreditation.uploads): its type and the name it came with."""

    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()

    class Meta:
        abstract = True

    @property
    def extension(self):
        return self.file.name.rsplit(".", 1)[-1].upper()


class PublishedDocument(StoredFile):
    """A document the office publishes to every facility (manuals, standards)."""

    class Category(models.TextChoices):
        APPLICATION_MANUAL = "application_manual", _("Application manual")
        MARKETING_MANUAL = "marketing_manual", _("Marketing manual")
        STANDARDS = "standards", _("Standards of quality assurance")
        OTHER = "other", _("Other")

    file = models.FileField(max_length=300, upload_to=published_document_path)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "title"]

    def __str__(self):
        return self.title


class FacilityDocument(StoredFile):
    """A document a facility uploads for the office: its own staff and the office see it, nobody else."""

    facility = models.ForeignKey("facilities.Facility", models.CASCADE, related_name="documents")
    file = models.FileField(max_length=300, upload_to=facility_document_path)
    title = models.CharField(_("title"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title


class SentReminder(models.Model):
    """The ledger of reminders: a row per (kind, object, occasion), inserted before the e-mail goes out.

    The unique constraint makes a second insert fail, so a reminder goes out once per occasion even
    when the task runs twice or on two workers at once.
    """

    kind = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    occasion = models.CharField(max_length=60)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "target_type", "target_id", "occasion"], name="one_reminder_per_occasion")
        ]

    def __str__(self):
        return f"{self.kind} {self.target_type}#{self.target_id} {self.occasion}"
