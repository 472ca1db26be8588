from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that never change once written (audit entries, issued invoices, payments)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
