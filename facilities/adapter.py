from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse


class PortalAccountAdapter(DefaultAccountAdapter):
    def get_email_verification_redirect_url(self, email_address):
        """People appointed at facility registration have no password yet: activation leads them to set one."""
        user = email_address.user
        if not user.has_usable_password():
            return reverse(
                "account_reset_password_from_key",
                kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
            )
        return super().get_email_verification_redirect_url(email_address)
