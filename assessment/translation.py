"""Turnaround targets' names and matching's reference data in every language of settings.LANGUAGES (a column per
language, as applications does)."""
from modeltranslation.translator import TranslationOptions, register

from .models import Expertise, RequiredExpertise, TurnaroundTarget


@register(TurnaroundTarget)
class TurnaroundTargetTranslation(TranslationOptions):
    fields = ("name",)


@register(Expertise)
class ExpertiseTranslation(TranslationOptions):
    fields = ("name",)


@register(RequiredExpertise)
class RequiredExpertiseTranslation(TranslationOptions):
    fields = ("needed_for",)
