from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation

from .services import languages_of


class PortalAccountAdapter(DefaultAccountAdapter):
    def send_password_reset_mail(self, user, email, context):
        """An account appointed at registration has no password until activated: its link is an activation link.

        The link is allauth's password-reset link either way (one use, expires, a new one on request), and
        its page (ActivationForm) asks the name and a password while the account is not yet activated.
        """
        if user.has_usable_password():
            return super().send_password_reset_mail(user, email, context)
        context = {**context, "appointments": user.appointments.filter(taken_up_at__isnull=True).select_related("facility")}
        return self.send_mail("account/email/activate_account", email, context)

    def save_user(self, request, user, form, commit=True):
        """A new account keeps the language its owner signed up in."""
        if translation.get_language() in dict(settings.LANGUAGES):
            user.language = translation.get_language()
        return super().save_user(request, user, form, commit)

    def send_mail(self, template_prefix, email, context):
        """Account e-mails (verification, activation, password) in the recipient's language, like the portal's."""
        with translation.override(languages_of([email])[email]):
            return super().send_mail(template_prefix, email, context)
