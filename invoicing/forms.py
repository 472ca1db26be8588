import uuid
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accreditation.formats import format_money
from accreditation.forms import PortalForm

from . import services
from .services import validate_payment


class OneTimeTokenForm(PortalForm):
    """A form whose every rendering carries a one-time submission token: however often it is posted, the
    service it feeds acts once (it looks the token up before acting)."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = self.add_prefix("submission_token")
        self.out_of_date = self.is_bound and not is_uuid(self.data.get(token))
        if self.out_of_date:
            # A page from before tokens, or a hand-made post: it gets a fresh token and is checked once more.
            self.data = self.data.copy()
            self.data[token] = str(uuid.uuid4())
        elif not self.is_bound:
            self.initial["submission_token"] = uuid.uuid4()

    def clean(self):
        if self.out_of_date:
            self.add_error(None, _("This form was out of date. Check the details and continue again."))
        return super().clean()


class RecordPaymentForm(OneTimeTokenForm):
    """The office records a payment. The rules are services.validate_payment's, checked again when it is recorded."""

    paid_on = forms.DateField(label=_("Payment received on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    reference = forms.CharField(label=_("Payment reference"), max_length=100, help_text=_("The bank's reference."))
    field_order = ["paid_on", "amount", "reference", "submission_token"]

    def __init__(self, *args, invoice, **kwargs):
        self.invoice = invoice
        kwargs.setdefault("initial", {}).setdefault("amount", invoice.outstanding())
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if {"paid_on", "amount", "reference"} <= data.keys():
            try:
                validate_payment(
                    self.invoice, paid_on=data["paid_on"], amount=data["amount"], reference=data["reference"]
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


def is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class CreditNoteForm(PortalForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("Printed on the credit note."))
    reissue = forms.BooleanField(
        label=_("Issue a corrected invoice with the facility's current billing details"), required=False
    )

    def __init__(self, *args, invoice, **kwargs):
        self.invoice = invoice
        super().__init__(*args, **kwargs)

    def clean(self):
        if self.invoice.is_credit_note:
            raise forms.ValidationError(_("A credit note cannot be credited."))
        if self.invoice.credited:
            raise forms.ValidationError(_("This invoice already has a credit note."))
        if self.invoice.paid:
            raise forms.ValidationError(_("Payments are recorded against this invoice; it cannot be credited in the portal."))
        return super().clean()


class FeeItemInvoiceForm(OneTimeTokenForm):
    """The office invoices an item of the facility's programme's fee list."""

    fee_item = forms.ModelChoiceField(label=_("Item"), queryset=None, empty_label=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=services.MAX_QUANTITY, initial=1)
    note = forms.CharField(
        label=_("Note"), max_length=120, required=False, help_text=_("Optional; printed on the invoice line.")
    )
    field_order = ["fee_item", "quantity", "note", "submission_token"]

    def __init__(self, *args, facility, **kwargs):
        self.facility = facility
        super().__init__(*args, **kwargs)
        self.fields["fee_item"].queryset = services.fee_items_of(facility)
        self.fields["fee_item"].label_from_instance = lambda item: (
            f"{item.fees.programme.name}: {item.description} ({format_money(item.amount, item.fees.currency)})")

    def clean(self):
        data = super().clean()
        if {"fee_item", "quantity"} <= data.keys():
            try:
                services.validate_fee_item_charge(self.facility, data["fee_item"], data["quantity"])
            except ValidationError as error:
                self.add_error(None, error)
        return data


def offer_of(item):
    return _("%(item)s: %(total)s including tax") % {
        "item": item.description, "total": format_money(services.fee_item_quote(item)["total"], item.fees.currency)}


class ConsultationRequestForm(PortalForm):
    """Facility staff ask for a consultation; the rules are services.validate_consultation_request's."""

    fee_item = forms.ModelChoiceField(label=_("Consultation"), queryset=None, empty_label=None)
    topic = forms.CharField(label=_("Topic"), max_length=200, help_text=_("What you would like to discuss."))
    preferred_date_1 = forms.DateField(label=_("Preferred date"), widget=forms.DateInput(attrs={"type": "date"}),
                                       error_messages={"required": _("Give at least one date that would suit you.")})
    preferred_date_2 = forms.DateField(label=_("Second choice"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    preferred_date_3 = forms.DateField(label=_("Third choice"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Optional: anything the office should know beforehand."))

    def __init__(self, *args, facility, **kwargs):
        self.facility = facility
        super().__init__(*args, **kwargs)
        items = services.requestable_fee_items(facility)
        self.fields["fee_item"].queryset = items
        self.fields["fee_item"].label_from_instance = offer_of
        # One consultation on offer: no choice to make, its price is said above the form instead.
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        for n in range(1, services.MAX_PREFERRED_DATES + 1):
            self.fields[f"preferred_date_{n}"].widget.attrs["min"] = tomorrow
        self.only_item = items[0] if len(items) == 1 else None
        self.only_offer = self.only_item and offer_of(self.only_item)
        if self.only_item:
            self.fields["fee_item"].initial = self.only_item.pk
            self.fields["fee_item"].widget = forms.HiddenInput()
            self.fields["fee_item"].required = False

    def preferred_dates(self):
        return [self.cleaned_data.get(f"preferred_date_{n}") for n in range(1, services.MAX_PREFERRED_DATES + 1)]

    def clean(self):
        data = super().clean()
        if self.only_item:
            data["fee_item"] = data.get("fee_item") or self.only_item
            if "fee_item" in self.errors:  # a hidden field's error is said above the form
                self.add_error(None, self.errors.pop("fee_item"))
        if self.errors:
            return data
        try:
            services.validate_consultation_request(
                self.facility, fee_item=data.get("fee_item"), topic=data.get("topic", ""),
                preferred_dates=self.preferred_dates(),
            )
        except ValidationError as error:
            self.add_service_error(error)
        return data

    def add_service_error(self, error):
        """The service's errors next to the fields they name (the dates' next to the first date)."""
        for field, messages in error.message_dict.items():
            field = {"preferred_dates": "preferred_date_1"}.get(field, field)
            self.add_error(None if self.fields[field].widget.is_hidden else field, messages)


class DeclineConsultationForm(PortalForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("E-mailed to the facility."))
