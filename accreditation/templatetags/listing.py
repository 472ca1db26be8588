"""Formatting for the rows of long lists, translated once per language rather than once per row.

Django's ``get_<field>_display`` rebuilds a dict of the field's choices on every call, translating each lazy label
to hash it: a page of 50 applications (13 statuses) spent 650 translations and a fifth of its time on its badges.
The ``date`` filter reads the format and each month's name anew for every value, about 90 calls a date.
"""
from functools import lru_cache

from django import template
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language

register = template.Library()


# ``language`` is only the cache key of these two: what they translate is in the active language, which it names.
@lru_cache(maxsize=256)
def _labels(field, language):
    return {value: str(label) for value, label in field.flatchoices}


@lru_cache(maxsize=32)
def _month_abbreviations(language):
    return {number: str(name).title() for number, name in MONTHS_3.items()}


@register.filter
def choice_label(instance, field_name):
    """``{{ application|choice_label:"status" }}``: what ``{{ application.get_status_display }}`` shows."""
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname)
    return _labels(field, get_language()).get(value, value)


@register.filter(expects_localtime=True)
def day_month_year(value):
    """``{{ invoice.issued_on|day_month_year }}``: what ``|date:"j M Y"`` shows (3 Mar 2026), in local time."""
    if not value:
        return ""
    return f"{value.day} {_month_abbreviations(get_language())[value.month]} {value.year}"
