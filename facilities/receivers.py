"""Reactions to django-allauth's and Django's account events."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from .services import set_account_language


@receiver(user_logged_in)
def keep_language_at_sign_in(sender, request, user, **kwargs):
    """At a first sign-in the account keeps the language the person is reading in; after that, the account's wins.

    Only a request that came through LocaleMiddleware says what the person reads (not, say, a test's force_login).
    """
    if user.language:
        translation.activate(user.language)
    elif getattr(request, "LANGUAGE_CODE", None):
        set_account_language(user, request.LANGUAGE_CODE)
