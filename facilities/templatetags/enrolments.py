"""Links between the pages of one enrolment keep the form of address the user reached them by."""
from django import template
from django.urls import reverse

from ..access import enrolment_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def enrolment_url(context, name, *args, **kwargs):
    """Like {% url %}, for the facility pages of the enrolment the page shows (``enrolment_prefix`` in its context)."""
    prefix = context.get("enrolment_prefix", "")
    if kwargs:
        return reverse(name, kwargs={**kwargs, "programme": prefix} if prefix else kwargs)
    return enrolment_reverse(name, prefix, *args)
