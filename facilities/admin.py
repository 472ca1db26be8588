from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_countries.filters import CountryFilter

from accreditation.admin import ReadOnlyAdmin

from .models import AuditEntry, Enrolment, Facility, Membership, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "office_role", "is_assessor", "is_active"]
    list_filter = ["office_role", "is_assessor", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name"]}),
        ("Portal roles", {"fields": ["office_role", "is_assessor"]}),
        ("Django", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


class EnrolmentInline(admin.TabularInline):
    """Read only: an enrolment's status moves through facilities.services (payments, decisions, expiry)."""

    model = Enrolment
    fields = ["programme", "status", "status_changed_at", "award_expires_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "country", "code"]
    list_filter = ["enrolments__status", "enrolments__programme", ("country", CountryFilter)]
    search_fields = ["name", "institution", "code"]
    readonly_fields = ["code"]
    raw_id_fields = ["authorised_representative", "deputy_representative", "main_account_holder"]
    inlines = [EnrolmentInline, MembershipInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "facility", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "facility__name", "actor__email"]
