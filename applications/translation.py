"""The question bank in every language of settings.LANGUAGES: a column per language on the same rows.

Columns rather than translation tables (django-parler) because a question set is versioned by copying its
rows (question_bank.copy_question_set): the copy carries every language with it, and the application page
reads 52 questions without a join or prefetch per language.
"""
from modeltranslation.translator import TranslationOptions, register

from .models import AwardTier, FindingArea, PathwayStep, Programme, Question, RegistrationRequirement, Standard


@register(Programme)
class ProgrammeTranslation(TranslationOptions):
    fields = ("name", "full_name", "award_title")


@register(Standard)
class StandardTranslation(TranslationOptions):
    fields = ("title", "summary", "section")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text", "explanation_prompt", "evidence_help")


@register(AwardTier)
class AwardTierTranslation(TranslationOptions):
    fields = ("title", "certificate_text")


@register(RegistrationRequirement)
class RegistrationRequirementTranslation(TranslationOptions):
    fields = ("label", "help_text", "unmet_message")


@register(PathwayStep)
class PathwayStepTranslation(TranslationOptions):
    fields = ("title",)


@register(FindingArea)
class FindingAreaTranslation(TranslationOptions):
    fields = ("name",)
