"""Request-wide guards: forwarded headers, body size, second factor for privileged roles, privacy headers."""
import ipaddress

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class ForwardedHeadersFromProxyOnlyMiddleware:
    """Drop X-Forwarded-* unless the peer is one of settings.TRUSTED_PROXIES (addresses or networks).

    Django believes X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) and allauth X-Forwarded-For whoever sends them;
    only the TLS proxy in front, which overwrites both, may.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = [ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]

    def __call__(self, request):
        if not self.is_trusted(request.META.get("REMOTE_ADDR", "")):
            for name in [name for name in request.META if name.startswith("HTTP_X_FORWARDED_")]:
                del request.META[name]
        return self.get_response(request)

    def is_trusted(self, address):
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False  # a Unix socket or nothing: not the proxy's address
        return any(peer in network for network in self.trusted)


class RequestSizeLimitMiddleware:
    """Answer 413 with a friendly page when the declared body exceeds settings.REQUEST_MAX_BYTES.

    The check uses the Content-Length header alone, so nothing of the body is read or stored; Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE still limits a body that does not declare its length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty too
        if length > settings.REQUEST_MAX_BYTES:
            return render(request, "413.html", {"limit": settings.UPLOAD_MAX_BYTES}, status=413)
        return self.get_response(request)


class PrivacyHeadersMiddleware:
    """Permissions-Policy on every response; nothing personal is kept by browsers or shared caches.

    A page seen signed in, and every download (an attachment), is ``private, no-store``: after signing out
    on a shared computer, the back button or the disk cache shows nothing of it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or response.has_header("Content-Disposition"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def requires_second_factor(user):
    """Office staff (the chairperson among them) and assessors see other facilities' data: a password is not enough."""
    return user.is_authenticated and (user.is_office or user.is_assessor)


class SecondFactorRequiredMiddleware:
    """Until such a person enrols a second factor, every page but their account pages sends them to set one up.

    One place for every office, assessor and admin URL, present and future; allauth's own views (sign
    out, the MFA set-up, e-mail and password) stay reachable so they can enrol.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not requires_second_factor(request.user):
            return None
        view = getattr(view_func, "view_class", view_func)
        if view.__module__.startswith("allauth."):
            return None
        if is_mfa_enabled(request.user):
            return None
        messages.warning(request, _(
            "Your role gives you access to other facilities' data, so your account needs a second factor. "
            "Set up an authenticator app or a security key to continue."
        ))
        return redirect("mfa_index")
