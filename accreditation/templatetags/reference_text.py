"""Reference data (questions, standards, dataset items, programmes) shown in a language it has no text in.

django-modeltranslation shows the English then; the element holding it must say so for screen readers,
spell checkers and translators: <p{{ question|fallback_lang:"text" }}> gives <p lang="en"> exactly then.
"""
from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from modeltranslation.utils import build_localized_fieldname, get_language

register = template.Library()


@register.filter
def fallback_lang(row, field):
    """' lang="en"' when the row's field has no text in the active language and shows the English; else ""."""
    language = get_language()
    if language == settings.LANGUAGE_CODE or getattr(row, build_localized_fieldname(field, language), None):
        return ""
    return mark_safe(f' lang="{settings.LANGUAGE_CODE}"')
