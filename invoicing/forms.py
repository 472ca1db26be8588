import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accreditation.forms import PortalForm

from .services import validate_payment


class RecordPaymentForm(PortalForm):
    """The office records a payment. The rules are services.validate_payment's, checked again when it is recorded.

    Each rendered form carries a one-time submission token: however often it is posted, it records
    one payment.
    """

    paid_on = forms.DateField(label=_("Payment received on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    reference = forms.CharField(label=_("Payment reference"), max_length=100, help_text=_("The bank's reference."))
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, invoice, **kwargs):
        self.invoice = invoice
        kwargs.setdefault("initial", {}).setdefault("amount", invoice.outstanding())
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
