"""The minimum dataset in every language of settings.LANGUAGES (see applications/translation.py for why columns)."""
from modeltranslation.translator import TranslationOptions, register

from .models import DatasetGroup, DatasetItem


@register(DatasetGroup)
class DatasetGroupTranslation(TranslationOptions):
    fields = ("title",)


@register(DatasetItem)
class DatasetItemTranslation(TranslationOptions):
    fields = ("label", "help_text")
