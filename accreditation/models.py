"""The portal's own records that belong to no domain app: list exports written by the worker."""
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def export_path(export, filename):
    # Unguessable, like every stored file: downloads go through the portal, which checks who asks.
    return f"exports/lists/{uuid.uuid4().hex[:12]}-{filename}"


class Export(models.Model):
    """One office list as a file, written by the worker when it is too long to answer the request with
    (accreditation.exports). Written only by accreditation.exports; its file is deleted after
    settings.EXPORT_KEEP_DAYS by a periodic task.

    ``filters`` is the list's query string when it was asked for, so the file holds what the page showed then.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    list_name = models.CharField(max_length=40)
    filters = models.TextField(blank=True)
    format = models.CharField(max_length=4, choices=Format.choices)
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_path, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Export {self.pk} of {self.list_name} ({self.format})"

    def get_absolute_url(self):
        return reverse("office:export", args=[self.pk])

    @property
    def list_title(self):
        from .exports import declared_lists

        declaration = declared_lists().get(self.list_name)
        return declaration.title if declaration else self.list_name

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0
