from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accreditation.forms import PortalForm


class RecordPaymentForm(PortalForm):
    paid_on = forms.DateField(label=_("Payment received on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reference = forms.CharField(label=_("Payment reference"), max_length=100, help_text=_("The bank's reference."))

    def __init__(self, *args, invoice, **kwargs):
        self.invoice = invoice
        kwargs.setdefault("initial", {}).setdefault("amount", invoice.outstanding())
        super().__init__(*args, **kwargs)

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError(_("A payment cannot be dated in the future."))
        return paid_on

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        outstanding = self.invoice.outstanding()
        if amount > outstanding:
            raise forms.ValidationError(
                _("Only %(currency)s %(outstanding)s is outstanding on this invoice."),
                params={"currency": self.invoice.currency, "outstanding": outstanding},
            )
        return amount

    def clean(self):
        if self.invoice.is_credit_note:
            raise forms.ValidationError(_("A credit note takes no payments."))
        if self.invoice.is_settled():
            raise forms.ValidationError(_("Nothing is outstanding on this invoice."))
        return super().clean()


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
