from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from . import services


class PersonalTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` with a personal token created in the portal; the request acts as its person."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # no token: the next method (the signed-in session) may authenticate
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as 'Authorization: Token <token>'."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = services.token_for_key(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid, or it was revoked or has expired."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
