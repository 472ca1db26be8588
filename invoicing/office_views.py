"""The office's invoices: every facility's invoices, recording payments, issuing credit notes, invoicing any
item of a programme's fee list, and answering facilities' consultation requests."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from accreditation.exports import ListExport, choice
from accreditation.formats import format_money
from accreditation.pagination import PaginatedListMixin, seek
from accreditation.pdf import render_again
from facilities.access import OfficeMixin, get_visible_or_404

from . import services
from facilities.models import Facility

from .forms import CreditNoteForm, DeclineConsultationForm, FeeItemInvoiceForm, RecordPaymentForm
from .models import ConsultationRequest, Invoice, Payment

INVOICE_ORDER = ["-year", "-sequence"]


def invoices_matching(user, params):
    """The invoice list's rows for its query string, with their balance: all, or (``open=1``) those with money
    outstanding."""
    invoices = Invoice.objects.visible_to(user)
    invoices = invoices.outstanding() if params.get("open") == "1" else invoices.with_balance()
    return invoices.select_related("facility", "fee_item").order_by(*INVOICE_ORDER)


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


class ConfirmedFormMixin:
    """An irreversible step: a valid form first shows what will happen; only the confirmed post acts."""

    confirm_template_name = "invoicing/confirm.html"

    def form_valid(self, form):
        if self.request.POST.get("confirmed") != "1":
            context = self.get_context_data(form=form, consequences=self.consequences(form), cancel_url=self.cancel_url())
            return render(self.request, self.confirm_template_name, context)
        try:
            self.act(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return redirect(self.done_url())

    def get_context_data(self, **kwargs):
        kwargs.setdefault("cancel_url", self.cancel_url())
        return super().get_context_data(**kwargs)


class ConfirmedFormView(OfficeInvoiceMixin, ConfirmedFormMixin, FormView):
    """A step on one invoice, back to the invoice when done or cancelled."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "invoice": self.invoice}

    def cancel_url(self):
        return reverse("invoicing:office_invoice", args=[self.invoice.pk])

    done_url = cancel_url


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
        elif self.invoice.kind == Invoice.Kind.ENROLMENT and self.invoice.enrolment.status == "registered":
            facts.append(
                _("The enrolment fee is then paid in full: %(name)s becomes an enrolled centre of %(programme)s and its staff are e-mailed.")
                % {"name": self.invoice.facility.name, "programme": self.invoice.enrolment.programme.name}
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


class IssueFeeItemInvoiceView(OfficeMixin, ConfirmedFormMixin, FormView):
    """From the office's facility page: invoice any item of the facility's programme's fee list."""

    template_name = "invoicing/issue_fee_item_invoice.html"
    form_class = FeeItemInvoiceForm

    def setup_scope(self, request, *args, **kwargs):
        self.facility = get_object_or_404(Facility.objects.visible_to(request.user),
                                          pk=kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "facility": self.facility}

    def get_context_data(self, **kwargs):
        return super().get_context_data(facility=self.facility, **kwargs)

    def cancel_url(self):
        return self.facility.get_absolute_url()

    def done_url(self):
        return reverse("invoicing:office_invoice", args=[self.issued.pk])

    def consequences(self, form):
        data = form.cleaned_data
        quote = services.fee_item_quote(data["fee_item"], data["quantity"])
        money = {key: format_money(quote[key], quote["currency"]) for key in ("subtotal", "tax", "total")}
        return [
            _("Invoice %(quantity)s × %(item)s to %(name)s: %(subtotal)s plus %(rate)s%% tax (%(tax)s), "
              "%(total)s in total.")
            % {"quantity": data["quantity"], "item": data["fee_item"].description, "name": self.facility.name,
               "rate": quote["tax_rate"], **money},
            _("The invoice gets the next number, is e-mailed to the facility's invoice roles and cannot be changed; "
              "a mistake is corrected by a credit note."),
        ]

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        valid = form.is_valid()
        # The same form posted again (a double click, a second tab) shows the invoice it issued.
        if earlier := services.issued_for_submission(form["submission_token"].value()):
            messages.info(request, _("Invoice %(number)s is issued already; it was not issued twice.")
                          % {"number": earlier.number})
            return redirect("invoicing:office_invoice", pk=earlier.pk)
        return self.form_valid(form) if valid else self.form_invalid(form)

    def act(self, data):
        self.issued = services.issue_fee_item_invoice(self.facility, data["fee_item"], self.request.user, **{
            key: data[key] for key in ("quantity", "note", "submission_token")})
        messages.success(self.request, _("Invoice %(number)s issued.") % {"number": self.issued.number})


class OfficeConsultationListView(OfficeMixin, PaginatedListMixin, ListView):
    """Facilities' consultation requests by status: those waiting for an answer first, oldest first."""

    template_name = "invoicing/office_consultation_list.html"
    context_object_name = "consultations"

    def get_queryset(self):
        self.status = self.request.GET.get("status", "")
        if self.status not in ConsultationRequest.Status.values:
            self.status = ConsultationRequest.Status.REQUESTED
        consultations = ConsultationRequest.objects.visible_to(self.request.user).filter(status=self.status)
        ordering = ["requested_at", "pk"] if self.status == ConsultationRequest.Status.REQUESTED else ["-decided_at", "-pk"]
        return consultations.select_related("facility", "fee_item", "invoice").order_by(*ordering)

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=self.status, status_tabs=ConsultationRequest.Status.choices, **kwargs)


class OfficeConsultationMixin(OfficeMixin):
    def setup_scope(self, request, *args, **kwargs):
        self.consultation = get_visible_or_404(
            ConsultationRequest.objects.select_related(
                "facility", "fee_item__fees", "requested_by", "decided_by", "invoice"),
            request.user, pk=kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(consultation=self.consultation, facility=self.consultation.facility, **kwargs)

    def cancel_url(self):
        return reverse("invoicing:office_consultation", args=[self.consultation.pk])

    done_url = cancel_url

    @property
    def is_open(self):
        return self.consultation.status == ConsultationRequest.Status.REQUESTED


class OfficeConsultationDetailView(OfficeConsultationMixin, TemplateView):
    template_name = "invoicing/office_consultation_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            quote=services.fee_item_quote(self.consultation.fee_item), decline_form=DeclineConsultationForm(),
            **kwargs)


class AcceptConsultationView(OfficeConsultationMixin, TemplateView):
    """Its page is the confirmation; the post accepts and invoices (once, however often it is posted)."""

    template_name = "invoicing/confirm.html"

    def get_context_data(self, **kwargs):
        quote = services.fee_item_quote(self.consultation.fee_item)
        money = {key: format_money(quote[key], quote["currency"]) for key in ("subtotal", "tax", "total")}
        consequences = [
            _("Accept the consultation on \"%(topic)s\" requested by %(name)s.")
            % {"topic": self.consultation.topic, "name": self.consultation.facility.name},
            _("The invoice for %(item)s: %(subtotal)s plus %(rate)s%% tax (%(tax)s), %(total)s in total. It gets the "
              "next number and cannot be changed; a mistake is corrected by a credit note.")
            % {"item": self.consultation.fee_item.description, "rate": quote["tax_rate"], **money},
            _("The facility is e-mailed the acceptance and the invoice; arrange the date with them."),
        ]
        return super().get_context_data(consequences=consequences, cancel_url=self.cancel_url(), **kwargs)

    def get(self, request, *args, **kwargs):
        if not self.is_open:
            return redirect(self.done_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        was_open = self.is_open
        try:
            consultation = services.accept_consultation(self.consultation, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.done_url())
        if was_open:
            messages.success(request, _("The consultation is accepted and invoice %(number)s issued.")
                             % {"number": consultation.invoice.number})
        else:
            messages.info(request, _("This consultation was accepted already; invoice %(number)s was not issued twice.")
                          % {"number": consultation.invoice.number})
        return redirect(self.done_url())


class DeclineConsultationView(OfficeConsultationMixin, ConfirmedFormMixin, FormView):
    template_name = "invoicing/decline_consultation.html"
    form_class = DeclineConsultationForm

    def get(self, request, *args, **kwargs):
        if not self.is_open:
            return redirect(self.done_url())
        return super().get(request, *args, **kwargs)

    def consequences(self, form):
        return [
            _("Decline the consultation on \"%(topic)s\" requested by %(name)s.")
            % {"topic": self.consultation.topic, "name": self.consultation.facility.name},
            _("The facility is e-mailed your reason. A declined request cannot be accepted later."),
        ]

    def act(self, data):
        services.decline_consultation(self.consultation, self.request.user, reason=data["reason"])
        messages.success(self.request, _("The consultation request is declined; the facility is e-mailed why."))
