"""Turnaround targets' names in every language of settings.LANGUAGES (see applications/translation.py)."""
from modeltranslation.translator import TranslationOptions, register

from .models import TurnaroundTarget


@register(TurnaroundTarget)
class TurnaroundTargetTranslation(TranslationOptions):
    fields = ("name",)
