"""Invoices for facility staff (the "Invoices" tab), the PDF download shared with the office, and consultation requests."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView, View

from accreditation.pdf import pdf_download
from facilities import permissions
from facilities.access import AudienceMixin, FacilityStaffMixin, get_visible_or_404

from . import services
from .forms import ConsultationRequestForm
from .models import ConsultationRequest, Invoice
from .permissions import can_request_consultation


class InvoiceListView(FacilityStaffMixin, ListView):
    template_name = "invoicing/invoice_list.html"
    context_object_name = "invoices"

    def allowed(self, user):
        return permissions.can_view_invoices(user, self.facility)

    def get_queryset(self):
        return Invoice.objects.visible_to(self.request.user).with_balance().select_related("credited_invoice", "fee_item")


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


class RequestConsultationView(FacilityStaffMixin, FormView):
    """Facility staff ask the office for a consultation from their programme's fee list."""

    template_name = "invoicing/request_consultation.html"
    form_class = ConsultationRequestForm

    def allowed(self, user):
        return can_request_consultation(user, self.facility)

    def unavailable_response(self, request):
        if not services.requestable_fee_items(self.facility).exists():
            return render(request, "invoicing/no_consultation_offered.html", {"facility": self.facility})
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "facility": self.facility}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.request_consultation(
                self.facility, self.request.user, fee_item=data["fee_item"], topic=data["topic"],
                preferred_dates=form.preferred_dates(), notes=data["notes"],
            )
        except ValidationError as error:
            # Checked again under the facility's lock: the same request posted twice is refused here.
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your consultation request was sent. The office will answer by e-mail."))
        return redirect("facilities:dashboard")


class WithdrawConsultationView(FacilityStaffMixin, TemplateView):
    """Its page is the confirmation; the post withdraws a request the office has not answered yet."""

    template_name = "invoicing/withdraw_consultation.html"

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.consultation = get_visible_or_404(ConsultationRequest.objects.all(), request.user, pk=kwargs["pk"])

    def allowed(self, user):
        return can_request_consultation(user, self.facility)

    def get_context_data(self, **kwargs):
        return super().get_context_data(consultation=self.consultation, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.withdraw_consultation(self.consultation, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your consultation request is withdrawn."))
        return redirect("facilities:dashboard")
