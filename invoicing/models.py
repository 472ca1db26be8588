"""Fees, invoices, credit notes and payments. The rules live in invoicing.services."""
import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower, Trim
from django.utils.translation import gettext_lazy as _

from applications.pathways import AssessmentPath
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


class FeeItemQuerySet(models.QuerySet):
    def of_programme(self, programme_id):
        return self.filter(fees__programme_id=programme_id, is_active=True)

    def requestable(self):
        return self.filter(facility_may_request=True)


# A fee list item invoiced at every re-accreditation, whichever path its assessment follows.
ANY_PATH = "any"


class FeeItem(models.Model):
    """A priced item of a programme's fee list (a consultation, a re-certification, an on-site audit...).

    The office edits the list in the Django admin beside the programme's currency, tax rate and terms; an
    invoice for an item copies its description and amount when it is issued. An item invoiced once is kept
    (it is withdrawn by unticking "offered"), so its invoices keep naming it.
    """

    fees = models.ForeignKey(ProgrammeFees, models.CASCADE, related_name="items", verbose_name=_("programme fees"))
    code = models.SlugField(_("code"), max_length=40)
    description = models.CharField(_("description"), max_length=150, help_text=_("Printed on the invoice line."))
    amount = models.DecimalField(_("amount"), **MONEY, help_text=_("Before tax, in the programme's currency."))
    facility_may_request = models.BooleanField(
        _("facilities may request it"), default=False,
        help_text=_("Offered to facility staff on their dashboard (e.g. a consultation)."),
    )
    is_active = models.BooleanField(_("offered"), default=True, help_text=_("Untick to withdraw it from the fee list."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    invoiced_at_reaccreditation = models.CharField(
        _("invoiced when a re-accreditation starts"), max_length=20, blank=True, default="",
        choices=[("", _("No")), (ANY_PATH, _("Yes, on either path"))] + AssessmentPath.choices,
        help_text=_("Issued automatically to a centre that starts its re-accreditation on this assessment path."),
    )

    objects = FeeItemQuerySet.as_manager()

    class Meta:
        ordering = ["fees", "position", "pk"]
        verbose_name = _("fee list item")
        verbose_name_plural = _("fee list items")
        constraints = [
            models.UniqueConstraint(fields=["fees", "code"], name="one_fee_item_code_per_programme"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_item_amount_positive",
                                   violation_error_message=_("The amount must be more than zero.")),
        ]

    def __str__(self):
        return self.description


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
        FEE_ITEM = "fee_item", _("Fee list item")
        CREDIT_NOTE = "credit_note", _("Credit note")

    facility = models.ForeignKey("facilities.Facility", models.PROTECT, related_name="invoices")
    # The enrolment it bills: each programme a facility is enrolled in has its own fees and invoices.
    enrolment = models.ForeignKey("facilities.Enrolment", models.PROTECT, related_name="invoices")
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
    fee_item = models.ForeignKey(
        FeeItem, models.PROTECT, null=True, blank=True, related_name="invoices", verbose_name=_("fee list item"),
        help_text=_("The item of the programme's fee list this invoice charges."),
    )
    submission_token = models.UUIDField(
        null=True, blank=True, unique=True, editable=False,
        help_text=_("The one-time token of the office's form that issued it: a form posted twice issues one invoice."),
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
            # One original annual invoice per enrolment and year, so the yearly run cannot bill twice.
            models.UniqueConstraint(
                fields=["enrolment", "fee_year"],
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
    def purpose(self):
        """What the invoice is for: its fee list item in the reader's language, else its kind."""
        return self.fee_item.description if self.fee_item_id else self.get_kind_display()

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
    description = models.CharField(max_length=300)
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


class ConsultationRequest(models.Model):
    """A facility asks for a consultation from its programme's fee list; the office accepts (and invoices it) or
    declines, unless the facility withdraws it first. ``decided_by`` is whoever closed it.

    ``status`` and what goes with each decision are written by invoicing.services only.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    facility = models.ForeignKey("facilities.Facility", models.PROTECT, related_name="consultation_requests")
    fee_item = models.ForeignKey(FeeItem, models.PROTECT, related_name="consultation_requests", verbose_name=_("consultation"))
    topic = models.CharField(_("topic"), max_length=200)
    preferred_dates = models.JSONField(_("preferred dates"), default=list, help_text=_("ISO dates, in the facility's order."))
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    invoice = models.OneToOneField(Invoice, models.PROTECT, null=True, blank=True, related_name="consultation_request")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The office's list of open requests, oldest first.
            models.Index(fields=["requested_at", "id"], condition=Q(status="requested"), name="open_consultation_requests"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="accepted", invoice__isnull=False) | ~Q(status="accepted"), name="accepted_consultation_is_invoiced"
            ),
        ]

    def __str__(self):
        return self.topic

    def dates(self):
        return [date.fromisoformat(day) for day in self.preferred_dates]
