"""The office edits each programme's turnaround targets, matching's reference data and any assessor's profile here;
every profile change is audited."""
from django.contrib import admin
from django.utils.translation import gettext_noop
from modeltranslation.admin import TranslationAdmin

from facilities import audit

from . import services
from .models import AssessorProfile, Expertise, RequiredExpertise, TurnaroundTarget, Unavailability


@admin.register(TurnaroundTarget)
class TurnaroundTargetAdmin(TranslationAdmin):
    list_display = ["name", "programme", "status", "days"]
    list_filter = ["programme"]


class AuditedAdmin:
    """Reference data changed in the admin goes into the audit trail, as every other change does."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(f"matching.{obj._meta.model_name}_saved", gettext_noop("%(what)s saved: %(name)s"),
                     {"what": obj._meta.verbose_name, "name": obj}, actor=request.user, target=obj,
                     changes={name: str(form.cleaned_data.get(name)) for name in form.changed_data})

    def delete_model(self, request, obj):
        audit.record(f"matching.{obj._meta.model_name}_deleted", gettext_noop("%(what)s deleted: %(name)s"),
                     {"what": obj._meta.verbose_name, "name": obj}, actor=request.user, target=obj)
        super().delete_model(request, obj)


@admin.register(Expertise)
class ExpertiseAdmin(AuditedAdmin, TranslationAdmin):
    list_display = ["name", "code"]


@admin.register(RequiredExpertise)
class RequiredExpertiseAdmin(AuditedAdmin, TranslationAdmin):
    list_display = ["programme", "expertise", "needed_for"]
    list_filter = ["programme"]


class UnavailabilityInline(admin.TabularInline):
    model = Unavailability
    extra = 1


@admin.register(AssessorProfile)
class AssessorProfileAdmin(admin.ModelAdmin):
    list_display = ["assessor", "country", "institution", "capacity"]
    search_fields = ["assessor__email", "assessor__last_name", "institution"]
    autocomplete_fields = ["conflict_facilities"]
    filter_horizontal = ["programmes", "expertise"]
    inlines = [UnavailabilityInline]

    def get_form(self, request, obj=None, **kwargs):
        from django import forms
        from django.conf import settings

        form = super().get_form(request, obj, **kwargs)
        form.base_fields["languages"] = forms.MultipleChoiceField(
            choices=settings.LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple)
        return form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        profile = self.get_object(request, object_id)
        request._profile_before = services.profile_snapshot(profile) if profile else {}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        # After the many-to-many fields and the periods are saved: the snapshot then holds the whole change.
        super().save_related(request, form, formsets, change)
        services.record_profile_change(form.instance, request.user, getattr(request, "_profile_before", {}))
