"""Matching's reference data in every language of settings.LANGUAGES (a column per language, as applications does)."""
from modeltranslation.translator import TranslationOptions, register

from .models import Expertise, RequiredExpertise


@register(Expertise)
class ExpertiseTranslation(TranslationOptions):
    fields = ("name",)


@register(RequiredExpertise)
class RequiredExpertiseTranslation(TranslationOptions):
    fields = ("needed_for",)
