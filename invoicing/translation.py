"""The fee list's wording in every language of settings.LANGUAGES (see applications/translation.py for why columns)."""
from modeltranslation.translator import TranslationOptions, register

from .models import FeeItem


@register(FeeItem)
class FeeItemTranslation(TranslationOptions):
    fields = ("description",)
