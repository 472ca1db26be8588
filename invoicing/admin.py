from django.contrib import admin
from modeltranslation.admin import TranslationTabularInline

from accreditation.admin import ReadOnlyAdmin

from .models import ConsultationRequest, FeeItem, Invoice, InvoiceLine, Payment, ProgrammeFees


class FeeItemInline(TranslationTabularInline):
    """The programme's fee list beside its currency, tax rate and terms."""

    model = FeeItem
    fields = ["position", "code", "description", "amount", "facility_may_request", "invoiced_at_reaccreditation", "is_active"]
    extra = 0

    # Invoices and requests name their item: it is withdrawn ("offered" unticked), never deleted.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgrammeFees)
class ProgrammeFeesAdmin(admin.ModelAdmin):
    list_display = ["programme", "currency", "enrolment_fee", "annual_fee", "tax_rate", "payment_terms_days"]
    inlines = [FeeItemInline]


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


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(ReadOnlyAdmin):
    list_display = ["topic", "facility", "status", "requested_at", "invoice"]
    list_filter = ["status"]
    search_fields = ["topic", "facility__name"]
