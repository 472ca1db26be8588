"""Markup of a question that no answer changes (its number, badges, texts, labels), rendered once and cached.

The same for every application of a question set, so it is rendered once per question set, language, template
source and the questions' own texts, and then read from Django's cache (Redis in production, shared by every
worker). Texts and template are in the key as digests: a question edited in the admin, or a template changed
by a deployment, is rendered afresh without anyone clearing the cache.
"""
import functools
import hashlib

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.translation import get_language

FRAGMENT_SECONDS = 7 * 24 * 3600  # a question set's texts rarely change; an edit makes a new key anyway


def digest(value):
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


@functools.cache
def template_and_digest(template_name):
    template = get_template(template_name)
    return template, digest(template.template.source)


def question_fragments(template_name, question_set_id, questions, shown, render):
    """{question pk: ``render(template, question)``}, from the cache when nothing it shows has changed.

    ``shown(question)``: what of the question the markup shows (numbers, flags, texts in the active language).
    """
    if not questions:
        return {}
    template, template_digest = template_and_digest(template_name)
    key = (f"question-fragments:{template_name}:{question_set_id}:{get_language()}:{template_digest}:"
           f"{digest([shown(q) for q in questions])}")
    fragments = cache.get(key)
    if fragments is None:
        fragments = {q.pk: render(template, q) for q in questions}
        cache.set(key, fragments, FRAGMENT_SECONDS)
    return fragments
