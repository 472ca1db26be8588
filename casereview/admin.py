from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from .models import DatasetGroup, DatasetItem


class DatasetItemInline(TranslationTabularInline):
    model = DatasetItem
    fields = ["position", "code", "label", "help_text", "is_active"]
    extra = 0

    # Cases record which items their records hold: an item is deactivated, never deleted.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DatasetGroup)
class DatasetGroupAdmin(TranslationAdmin):
    """The minimum dataset the case review checks records against; the office edits it here."""

    list_display = ["title", "criterion", "position"]
    inlines = [DatasetItemInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DatasetItem)
class DatasetItemAdmin(TranslationAdmin):
    list_display = ["label", "group", "position", "is_active"]
    list_filter = ["group", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["label", "code"]

    def has_delete_permission(self, request, obj=None):
        return False
