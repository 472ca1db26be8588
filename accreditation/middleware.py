"""Refusing a request body too large to be an upload of ours, before anything reads it."""
from django.conf import settings
from django.shortcuts import render


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
