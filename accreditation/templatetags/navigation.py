"""The navigation marks the page the user is on, for screen readers (aria-current) and visibly (CSS)."""
from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def aria_current(context, url_name, exact=False):
    """` aria-current="page"` when the request is for ``url_name``'s page, or below it unless ``exact``.

    Start pages (the dashboard, the office's to-do list) are ``exact``: every page of their area lies below them.
    """
    request = context.get("request")
    if request is None:
        return ""
    url = reverse(url_name)
    here = request.path == url if exact else request.path.startswith(url)
    return mark_safe(' aria-current="page"') if here else ""
