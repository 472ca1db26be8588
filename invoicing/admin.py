from django.contrib import admin

from accreditation.admin import ReadOnlyAdmin

from .models import Invoice, InvoiceLine, Payment, ProgrammeFees


@admin.register(ProgrammeFees)
class ProgrammeFeesAdmin(admin.ModelAdmin):
    list_display = ["programme", "currency", "enrolment_fee", "annual_fee", "tax_rate", "payment_terms_days"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "facility", "kind", "issued_on", "total", "currency"]
    list_filter = ["kind", "year"]
    search_fields = ["number", "facility__name", "bill_to_name"]
    inlines = [InvoiceLineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "paid_on", "amount", "reference", "recorded_by"]
    search_fields = ["invoice__number", "reference"]
