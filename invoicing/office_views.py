"""The office's invoices: every facility's invoices, recording payments, issuing credit notes."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, View

from accreditation.exports import ListExport, choice
from accreditation.formats import format_money
from accreditation.pagination import PaginatedListMixin, seek
from accreditation.pdf import render_again
from facilities.access import OfficeMixin, get_visible_or_404

from . import services
from .forms import CreditNoteForm, RecordPaymentForm
from .models import Invoice, Payment

INVOICE_ORDER = ["-year", "-sequence"]


def invoices_matching(user, params):
    """The invoice list's rows for its query string, with their balance: all, or (``open=1``) those with money
    outstanding."""
    invoices = Invoice.objects.visible_to(user)
    invoices = invoices.outstanding() if params.get("open") == "1" else invoices.with_balance()
    return invoices.select_related("facility").order_by(*INVOICE_ORDER)


INVOICES_EXPORT = ListExport(
    "invoices", gettext_lazy("Invoices"),
    columns=(
        (gettext_lazy("Number"), "number"), (gettext_lazy("Facility"), "facility.name"),
        (gettext_lazy("For"), choice("kind")), (gettext_lazy("Fee year"), "fee_year"),
        (gettext_lazy("Issued"), "issued_on"),
        (gettext_lazy("Due"), lambda invoice: None if invoice.is_credit_note else invoice.due_on),
        (gettext_lazy("Currency"), "currency"), (gettext_lazy("Total"), "total"), (gettext_lazy("Paid"), "paid"),
        (gettext_lazy("Outstanding"), "outstanding"), (gettext_lazy("Status"), lambda invoice: invoice.state()[1]),
    ),
    rows=invoices_matching,
)


class OfficeInvoiceListView(OfficeMixin, PaginatedListMixin, ListView):
    """Every invoice, newest number first, 50 a page; or only those with money outstanding, paged by seeking,
    since counting them would work out the balance of every invoice there is."""

    template_name = "invoicing/office_invoice_list.html"
    context_object_name = "invoices"
    ordering = INVOICE_ORDER

    def get_queryset(self):
        self.open_only = self.request.GET.get("open") == "1"
        return invoices_matching(self.request.user, self.request.GET)

    def get_paginate_by(self, queryset):
        return None if self.open_only else super().get_paginate_by(queryset)

    def get_context_data(self, **kwargs):
        if self.open_only:
            kwargs["seek_page"] = kwargs["object_list"] = seek(self.request, self.object_list, self.ordering)
        return super().get_context_data(open_only=self.open_only, **kwargs)


class OfficeInvoiceMixin(OfficeMixin):
    def setup_scope(self, request, *args, **kwargs):
        self.invoice = get_visible_or_404(
            Invoice.objects.with_balance().select_related("facility", "credited_invoice"), request.user, pk=kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(invoice=self.invoice, facility=self.invoice.facility, **kwargs)


class OfficeInvoiceDetailView(OfficeInvoiceMixin, DetailView):
    template_name = "invoicing/office_invoice_detail.html"

    def get_object(self, queryset=None):
        return self.invoice

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            lines=self.invoice.lines.all(),
            payments=self.invoice.payments.select_related("recorded_by"),
            credit_note=Invoice.objects.filter(credited_invoice=self.invoice).first(),
            replacement=Invoice.objects.filter(replaces=self.invoice).first(),
            **kwargs,
        )


class ConfirmedFormView(OfficeInvoiceMixin, FormView):
    """An irreversible step: a valid form first shows what will happen; only the confirmed post acts."""

    confirm_template_name = "invoicing/confirm.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "invoice": self.invoice}

    def form_valid(self, form):
        if self.request.POST.get("confirmed") != "1":
            context = self.get_context_data(form=form, consequences=self.consequences(form))
            return render(self.request, self.confirm_template_name, context)
        try:
            self.act(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return redirect("invoicing:office_invoice", pk=self.invoice.pk)


class RecordPaymentView(ConfirmedFormView):
    template_name = "invoicing/record_payment.html"
    form_class = RecordPaymentForm

    def consequences(self, form):
        data = form.cleaned_data
        remaining = self.invoice.outstanding() - data["amount"]
        facts = [
            _("Record %(amount)s received on %(date)s (reference %(reference)s) against invoice %(number)s.")
            % {"amount": format_money(data["amount"], self.invoice.currency), "date": date_format(data["paid_on"]),
               "reference": data["reference"], "number": self.invoice.number},
        ]
        if remaining:
            facts.append(_("%(remaining)s stays outstanding.") % {"remaining": format_money(remaining, self.invoice.currency)})
        elif self.invoice.kind == Invoice.Kind.ENROLMENT and self.invoice.facility.status == "registered":
            facts.append(
                _("The enrolment fee is then paid in full: %(name)s becomes an enrolled centre and its staff are e-mailed.")
                % {"name": self.invoice.facility.name}
            )
        facts.append(_("A recorded payment cannot be undone from the portal."))
        return facts

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        valid = form.is_valid()
        # The same form posted again (a double click, a second tab, a retry) shows the payment it recorded.
        # Asked after validating, so a first post committed meanwhile is seen here, not as a form error.
        if services.recorded_payment(self.invoice, form["submission_token"].value()):
            messages.info(request, _("This payment is recorded already; it was not recorded twice."))
            return redirect("invoicing:office_invoice", pk=self.invoice.pk)
        return self.form_valid(form) if valid else self.form_invalid(form)

    def act(self, data):
        services.record_payment(self.invoice, self.request.user, **data)
        messages.success(self.request, _("The payment was recorded."))


class IssueCreditNoteView(ConfirmedFormView):
    template_name = "invoicing/credit_note.html"
    form_class = CreditNoteForm

    def consequences(self, form):
        facts = [
            _("Issue a credit note of %(total)s cancelling invoice %(number)s.")
            % {"total": format_money(self.invoice.total, self.invoice.currency), "number": self.invoice.number},
        ]
        if form.cleaned_data["reissue"]:
            facts.append(_("Issue a corrected invoice with the same lines and the facility's current billing details."))
        facts.append(_("Issued credit notes and invoices cannot be changed or withdrawn."))
        return facts

    def act(self, data):
        credit_note, replacement = services.issue_credit_note(self.invoice, self.request.user, **data)
        messages.success(self.request, _("Credit note %(number)s issued.") % {"number": credit_note.number})


class RenderInvoicePdfView(OfficeInvoiceMixin, View):
    """The office re-runs the rendering of an invoice whose PDF is missing."""

    def post(self, request, *args, **kwargs):
        what = _("invoice %(number)s") % {"number": self.invoice.number}
        return render_again(request, services.store_invoice_pdf, self.invoice, what)


def payments_matching(user, params):
    """The payment list's rows for its query string, latest received first: ``q`` finds an invoice number or a
    bank reference."""
    payments = Payment.objects.visible_to(user).select_related("invoice__facility", "recorded_by")
    query = params.get("q", "").strip()
    if query:
        payments = payments.filter(Q(invoice__number__iexact=query) | Q(reference__icontains=query))
    return payments.order_by("-paid_on", "-pk")


PAYMENTS_EXPORT = ListExport(
    "payments", gettext_lazy("Payments"),
    columns=(
        (gettext_lazy("Received on"), "paid_on"), (gettext_lazy("Invoice"), "invoice.number"),
        (gettext_lazy("Facility"), "invoice.facility.name"), (gettext_lazy("Currency"), "invoice.currency"),
        (gettext_lazy("Amount"), "amount"), (gettext_lazy("Payment reference"), "reference"),
        (gettext_lazy("Recorded by"), "recorded_by"), (gettext_lazy("Recorded at"), "recorded_at"),
    ),
    rows=payments_matching,
)


class OfficePaymentListView(OfficeMixin, PaginatedListMixin, ListView):
    """Every payment received, latest first, 50 a page."""

    template_name = "invoicing/office_payment_list.html"
    context_object_name = "payments"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        return payments_matching(self.request.user, self.request.GET)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)
