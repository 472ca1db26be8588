"""Fees, invoices, credit notes and payments. The rules live in invoicing.services."""
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower, Trim
from django.utils.translation import gettext_lazy as _

from facilities.tenancy import TenantQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class ProgrammeFees(models.Model):
    """What a programme charges. The office edits these in the Django admin; issued invoices keep their own copy."""

    programme = models.OneToOneField("applications.Programme", models.CASCADE, related_name="fees")
    currency = models.CharField(_("currency"), max_length=3, default="EUR", help_text=_("ISO 4217 code, e.g. EUR."))
    enrolment_fee = models.DecimalField(_("enrolment fee"), **MONEY)
    annual_fee = models.DecimalField(
        _("annual administration fee"), **MONEY, help_text=_("Billed at registration and every year after; 0 for none.")
    )
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("20.00"))
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)

    class Meta:
        verbose_name = verbose_name_plural = _("programme fees")

    def __str__(self):
        return f"{self.programme}: {self.currency}"


class InvoiceCounter(models.Model):
    """The last invoice number handed out in a year; locked while a number is taken, so numbers have no gaps."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


def paid_total():
    return Coalesce(
        Subquery(
            Payment.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("amount")).values("s"),
            output_field=DecimalField(**MONEY),
        ),
        Value(ZERO),
    )


def credited_total():
    # A credit note's total is negative; what it takes off the invoice is its absolute value.
    return Coalesce(
        Subquery(
            Invoice.objects.filter(credited_invoice=OuterRef("pk")).values("credited_invoice").annotate(s=Sum("total")).values("s"),
            output_field=DecimalField(**MONEY),
        ),
        Value(ZERO),
    )


class InvoiceQuerySet(TenantQuerySet):
    def with_balance(self):
        """Annotate ``paid`` and ``credited`` (one query for a whole list)."""
        return self.annotate(paid=paid_total(), credited=-credited_total())

    def outstanding(self):
        """Invoices with money still to be paid: not credit notes, not cancelled, paid less than their total."""
        return (
            # NOT EXISTS, not a left join on the credit note: PostgreSQL estimates it as an anti-join, where the
            # join's "IS NULL" made it expect one row and join the facilities by a nested loop.
            self.exclude(kind=Invoice.Kind.CREDIT_NOTE).filter(~Exists(Invoice.objects.filter(credited_invoice=OuterRef("pk"))))
            .with_balance().filter(paid__lt=F("total"))
        )


class Invoice(models.Model):
    """An issued invoice or credit note. It never changes once issued: corrections are credit notes.

    The billing details, lines and amounts are copies taken at issue time, so later edits of the
    facility's profile or of the programme's fees do not change it. Only the rendered PDF is
    attached afterwards.
    """

    class Kind(models.TextChoices):
        ENROLMENT = "enrolment", _("Enrolment fee")
        ANNUAL = "annual", _("Annual administration fee")
        CREDIT_NOTE = "credit_note", _("Credit note")

    facility = models.ForeignKey("facilities.Facility", models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    fee_year = models.PositiveIntegerField(null=True, blank=True, help_text=_("The year an annual fee is for."))
    credited_invoice = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="credit_note", verbose_name=_("credits invoice")
    )
    replaces = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="replacement",
        help_text=_("The credited invoice this one corrects."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    currency = models.CharField(max_length=3)
    bill_to_name = models.CharField(max_length=200)
    bill_to_institution = models.CharField(max_length=200)
    bill_to_address = models.TextField()
    bill_to_country = models.CharField(max_length=100)
    subtotal = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    pdf = models.FileField(upload_to="invoices/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-sequence"]
        indexes = [
            # The office's start page: overdue invoices oldest first, and the few whose PDF failed to render.
            models.Index(fields=["due_on", "id"], name="invoice_due_order"),
            models.Index(fields=["created_at"], condition=Q(pdf=""), name="invoice_missing_pdf"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="gapless_invoice_sequence"),
            # One original annual invoice per facility and year, so the yearly run cannot bill twice.
            models.UniqueConstraint(
                fields=["facility", "fee_year"],
                condition=Q(kind="annual", replaces__isnull=True),
                name="one_annual_invoice_per_year",
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An issued invoice never changes; issue a credit note instead.")
        super().save(*args, **kwargs)

    @property
    def is_credit_note(self):
        return self.kind == self.Kind.CREDIT_NOTE

    def outstanding(self):
        """Needs ``with_balance()``: what is still to be paid; nothing on a credit note or a cancelled invoice."""
        if self.is_credit_note or self.credited:
            return ZERO
        return max(self.total - self.paid, ZERO)

    def is_settled(self):
        """Needs ``with_balance()``: paid in full. Only payments settle an invoice; a credit note cancels it instead."""
        return not self.is_credit_note and self.paid >= self.total

    def state(self):
        """Needs ``with_balance()``: the invoice's state as (badge class, label), for its badge and for exports."""
        if self.is_credit_note:
            return "", _("Credit note")
        if self.credited:
            return "", _("Cancelled by credit note")
        if self.is_settled():
            return "ok", _("Paid")
        return "warn", _("Partly paid") if self.paid else _("Open")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["position"]


class PaymentQuerySet(TenantQuerySet):
    facility_path = "invoice__facility"


def normalised_reference(reference):
    """How bank references compare: trimmed, case-insensitive (for queries and the constraint alike)."""
    return Lower(Trim(reference))


class Payment(models.Model):
    """Money the office received against an invoice. Recorded, never edited.

    A bank reference appears once per invoice, and each payment form carries a one-time
    ``submission_token``, so a form posted twice records one payment.
    """

    invoice = models.ForeignKey(Invoice, models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("payment received on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("payment reference"), max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    submission_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.UniqueConstraint(F("invoice"), normalised_reference("reference"), name="one_payment_per_bank_reference"),
        ]
