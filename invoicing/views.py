"""Invoices for facility staff (the "Invoices" tab) and the PDF download shared with the office."""
from django.views.generic import ListView, View

from accreditation.pdf import pdf_download
from facilities import permissions
from facilities.access import AudienceMixin, FacilityStaffMixin, get_visible_or_404

from . import services
from .models import Invoice


class InvoiceListView(FacilityStaffMixin, ListView):
    template_name = "invoicing/invoice_list.html"
    context_object_name = "invoices"

    def allowed(self, user):
        return permissions.can_view_invoices(user, self.facility)

    def get_queryset(self):
        return Invoice.objects.visible_to(self.request.user).with_balance().select_related("credited_invoice")


class InvoicePdfView(AudienceMixin, View):
    """The invoice's PDF for those who may see invoices: the office, and the facility's invoice roles."""

    def in_audience(self, user):
        return user.is_office or permissions.facility_id_of(user) is not None

    def setup_scope(self, request, *args, **kwargs):
        self.invoice = get_visible_or_404(Invoice.objects.select_related("facility"), request.user, pk=kwargs["pk"])

    def allowed(self, user):
        return permissions.can_view_invoices(user, self.invoice.facility)

    def get(self, request, *args, **kwargs):
        return pdf_download(request, services.store_invoice_pdf, self.invoice, "pdf", f"{self.invoice.number}.pdf")
