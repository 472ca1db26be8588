"""Personal API tokens. Only a digest of each token is stored: the token itself is shown once, when created."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Not revoked and not past its last day."""
        return self.filter(revoked_at__isnull=True).exclude(expires_on__lt=timezone.localdate())


class ApiToken(models.Model):
    """A person's key to the REST API. Written only by api.services; revoking keeps the row for the audit trail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses it, e.g. the finance system."))
    # sha256 of the token: tokens are 256 random bits, so an unsalted digest cannot be reversed by guessing.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)  # its first characters, to tell tokens apart
    expires_on = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Optional: the last day it works. Empty: until revoked."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self):
        return self.expires_on is not None and self.expires_on < timezone.localdate()
