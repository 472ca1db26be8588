from django.contrib import admin

from .models import FacilityDocument, PublishedDocument, SentReminder


@admin.register(PublishedDocument)
class PublishedDocumentAdmin(admin.ModelAdmin):
    """Withdrawing a published document is deleting it here; publishing goes through the office's page."""

    list_display = ["title", "category", "published_at", "published_by"]
    readonly_fields = ["file", "original_name", "content_type", "size", "published_by"]

    def has_add_permission(self, request):
        return False


@admin.register(FacilityDocument)
class FacilityDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "facility", "uploaded_at", "uploaded_by"]
    readonly_fields = ["facility", "file", "original_name", "content_type", "size", "uploaded_by"]

    def has_add_permission(self, request):
        return False


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "kind", "target_type", "target_id", "occasion"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
