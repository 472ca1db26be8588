"""The office edits programmes and question banks here. A question set in use is read-only: copy it to change it.

Every text the facility reads has a field per language side by side (django-modeltranslation); a language left
empty shows the English.
"""
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from .models import AwardTier, FindingArea, Pathway, PathwayStep, Programme, Question, QuestionSet, RegistrationRequirement, Standard
from .question_bank import copy_pathway, copy_question_set, make_current


def in_use(version):
    return version is not None and version.applications.exists()


class VersionAdmin(admin.ModelAdmin):
    """A question set or pathway: read-only once an application follows it; copied to change, then made current."""

    copy_version = None  # the question bank's function that copies a version of this model
    list_filter = ["programme"]
    readonly_fields = ["is_current"]
    actions = ["copy_as_new_version", "make_current_version"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not in_use(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not in_use(obj) and not (obj and obj.is_current)

    @admin.action(description=_("Copy as a new version (to edit)"))
    def copy_as_new_version(self, request, queryset):
        for version in queryset:
            copy = type(self).copy_version(version)
            self.message_user(request, _("Version %(version)d created; edit it, then make it current.") % {"version": copy.version})

    @admin.action(description=_("Make current (new applications start on it)"))
    def make_current_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        make_current(queryset.get())


class AwardTierInline(TranslationStackedInline):
    """A programme's awards; one that has been granted cannot be deleted (its awards keep it)."""

    model = AwardTier
    fields = ["code", "title", "validity_years", "requires_extended_criteria", "requires_full_prior_period",
              "certificate_text", "position"]


class RegistrationRequirementInline(TranslationStackedInline):
    """What the programme asks at registration. Help text and message may say %(minimum)s for the minimum in force."""

    model = RegistrationRequirement
    fields = ["position", "code", "kind", "minimum", "label", "help_text", "unmet_message"]
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(TranslationAdmin):
    list_display = ["name", "code", "award_validity_years", "has_case_review", "is_open_for_registration"]
    inlines = [AwardTierInline, RegistrationRequirementInline]


class StandardInline(TranslationTabularInline):
    model = Standard
    fields = ["number", "title", "section"]
    extra = 0
    show_change_link = True


@admin.register(QuestionSet)
class QuestionSetAdmin(VersionAdmin):
    list_display = ["programme", "version", "is_current", "created_at"]
    inlines = [StandardInline]
    copy_version = copy_question_set


class QuestionInline(TranslationStackedInline):
    model = Question
    fields = ["number", "criterion", "is_core", "is_case_review", "text", "explanation_prompt", "evidence_help"]
    extra = 0


@admin.register(Standard)
class StandardAdmin(TranslationAdmin):
    list_display = ["__str__", "question_set"]
    list_filter = ["question_set"]
    inlines = [QuestionInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not in_use(obj and obj.question_set)


@admin.register(Question)
class QuestionAdmin(TranslationAdmin):
    list_display = ["number", "criterion", "is_core", "standard"]
    list_filter = ["standard__question_set", "is_core"]
    search_fields = ["text", "criterion"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not in_use(obj and obj.standard.question_set)


class PathwayStepInline(TranslationTabularInline):
    model = PathwayStep
    fields = ["position", "kind", "title", "path", "is_required", "condition"]
    extra = 0
    show_change_link = True  # a site visit's finding areas are edited on its step


@admin.register(Pathway)
class PathwayAdmin(VersionAdmin):
    """A programme's assessment steps and dosimetry tolerances."""

    list_display = ["programme", "version", "is_current", "review_rounds", "created_at"]
    inlines = [PathwayStepInline]
    copy_version = copy_pathway


class FindingAreaInline(TranslationTabularInline):
    model = FindingArea
    fields = ["number", "name"]
    extra = 0


@admin.register(PathwayStep)
class PathwayStepAdmin(TranslationAdmin):
    list_display = ["__str__", "kind", "path", "is_required", "pathway"]
    list_filter = ["pathway", "path"]
    inlines = [FindingAreaInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not in_use(obj and obj.pathway)
