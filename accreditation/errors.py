"""Error pages Django renders itself rather than a view of ours."""
from django.shortcuts import render


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: a form sent with an expired or missing token (or with cookies off) saved nothing."""
    return render(request, "csrf_failure.html", status=403)
