"""Every write of the api app: creating, using and revoking personal tokens."""
import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from facilities import audit

from .models import ApiToken

TOKEN_PREFIX = "iop_"
# last_used_at is a hint for the token list, not a log: written at most once a minute per token.
LAST_USED_PRECISION = timedelta(minutes=1)


def may_hold_token(user):
    """Office staff and the chairperson: the API serves the office's other systems."""
    return user.is_authenticated and user.is_active and user.is_office


def token_digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_token(user, *, name, expires_on=None):
    """A new token for ``user``; returns (token, key). The key is never stored, only its digest."""
    if not may_hold_token(user):
        raise ValidationError(_("Only office staff may hold API tokens."))
    if expires_on is not None and expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("The last day cannot be in the past.")})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(key), prefix=key[: len(TOKEN_PREFIX) + 6], expires_on=expires_on
    )
    audit.record(
        "api.token_created", gettext_noop("API token %(name)s created"), {"name": name}, actor=user, target=token,
        changes={"expires_on": expires_on.isoformat() if expires_on else None},
    )
    return token, key


def token_for_key(key):
    """The active token ``key`` names, with its person, or None (unknown, revoked or expired)."""
    token = ApiToken.objects.active().select_related("user").filter(digest=token_digest(key)).first()
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


@transaction.atomic
def revoke_token(token, actor):
    """Revoke a token at once: requests carrying it are refused from now on."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit.record("api.token_revoked", gettext_noop("API token %(name)s revoked"), {"name": token.name},
                     actor=actor, target=token)
