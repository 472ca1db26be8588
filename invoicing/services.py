"""The rules of money: numbering and issuing invoices and credit notes, their PDFs, and payments.

Every write of the invoicing app is here. An issued invoice never changes: it copies the facility's
billing details and the programme's fees when it is issued, and a correction is a credit note.
"""
import logging
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accreditation.formats import format_money
from accreditation.pdf import RENDERING_GRACE, render_pdf, store_pdf_once
from facilities import audit
from facilities.models import ENROLLED_STATUSES, Enrolment
from facilities.services import enrol, locked, locked_enrolment, send_portal_mail

from .models import (
    ANY_PATH,
    ConsultationRequest,
    FeeItem,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
    ProgrammeFees,
    normalised_reference,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


def take_invoice_number(year):
    """The next number of ``year``, e.g. 2026-00042. Call inside the transaction that saves the invoice.

    The year's counter row stays locked until that transaction ends, so concurrent issuers queue up,
    and a rolled-back invoice gives its number back: numbers have no gaps and no duplicates.
    """
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=year)], ignore_conflicts=True)
    counter = InvoiceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{year}-{counter.last_number:05d}"


def billing_details(facility):
    lines = [facility.address.strip(), " ".join(p for p in (facility.postal_code, facility.city) if p)]
    # Copied as a name, in the language of the facility's documents: an issued invoice never changes.
    with translation.override(facility.document_language()):
        country = facility.country.name
    return {
        "bill_to_name": facility.name,
        "bill_to_institution": facility.institution,
        "bill_to_address": "\n".join(line for line in lines if line),
        "bill_to_country": country,
    }


def tax_on(subtotal, tax_rate):
    return (subtotal * tax_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def issue_invoice(enrolment, kind, lines, *, currency, tax_rate, payment_terms_days, actor=None, billing=None, **extra):
    """Issue one invoice (or credit note) to ``enrolment``'s facility, of ``lines`` [(description, amount)], numbered,
    audited, its PDF queued."""
    facility = enrolment.facility
    with transaction.atomic():
        today = timezone.localdate()
        sequence, number = take_invoice_number(today.year)
        subtotal = sum((Decimal(amount) for _, amount in lines), Decimal("0"))
        tax = tax_on(subtotal, tax_rate)
        invoice = Invoice.objects.create(
            facility=facility,
            enrolment=enrolment,
            kind=kind,
            number=number,
            year=today.year,
            sequence=sequence,
            issued_on=today,
            due_on=today + timedelta(days=payment_terms_days),
            currency=currency,
            subtotal=subtotal,
            tax_rate=tax_rate,
            tax=tax,
            total=subtotal + tax,
            issued_by=actor,
            **(billing or billing_details(facility)),
            **extra,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, position=i, description=description, amount=amount)
            for i, (description, amount) in enumerate(lines, start=1)
        )
        audit.record(
            f"invoice.issued.{kind}",
            gettext_noop("%(kind)s %(number)s issued: %(total)s"),
            {"kind": audit.choice_label(invoice, "kind"), "number": number, "total": format_money(invoice.total, currency)},
            actor=actor,
            facility=facility,
            target=invoice,
            changes={"total": [None, str(invoice.total)]},
        )
        from .tasks import render_invoice_pdf

        # robust: a rendering that cannot even be queued leaves the invoice issued; the office sees it missing its PDF.
        transaction.on_commit(lambda: render_invoice_pdf.delay(invoice.pk), robust=True)
    return invoice


def fees_of(enrolment):
    return ProgrammeFees.objects.filter(programme_id=enrolment.programme_id).first()


def _issue_fee_invoice(enrolment, fees, kind, description, amount, **extra):
    return issue_invoice(
        enrolment,
        kind,
        [(description, amount)],
        currency=fees.currency,
        tax_rate=fees.tax_rate,
        payment_terms_days=fees.payment_terms_days,
        **extra,
    )


@transaction.atomic
def issue_registration_invoices(enrolment):
    """At registration, or when a facility adds a programme: the enrolment fee invoice and, where the programme
    charges one, this year's annual fee.

    They are two invoices, so paying the enrolment invoice alone enrols the facility in the programme, and the yearly
    run recognises this year's annual fee as billed. An enrolment is billed its enrolment fee once.
    """
    enrolment = locked_enrolment(enrolment)
    facility = enrolment.facility
    if enrolment.invoices.filter(kind=Invoice.Kind.ENROLMENT, replaces__isnull=True).exists():
        raise ValidationError(_("%(name)s has been billed its enrolment fee for %(programme)s already.")
                              % {"name": facility.name, "programme": enrolment.programme.name})
    fees = fees_of(enrolment)
    if fees is None:
        logger.warning("No fees configured for programme %s; %s was not invoiced.", enrolment.programme, facility)
        return []
    year = timezone.localdate().year
    # An issued line never changes: it is written in the language of the facility's documents.
    with translation.override(facility.document_language()):
        enrolment_fee = _("Enrolment fee: %(programme)s") % {"programme": enrolment.programme.full_name}
        annual = _("Annual administration fee %(year)s") % {"year": year}
    invoices = [_issue_fee_invoice(enrolment, fees, Invoice.Kind.ENROLMENT, enrolment_fee, fees.enrolment_fee)]
    if fees.annual_fee:
        invoices.append(_issue_fee_invoice(enrolment, fees, Invoice.Kind.ANNUAL, annual, fees.annual_fee, fee_year=year))
    return invoices


def issue_annual_fee_invoices(year=None):
    """Bill this year's annual fee to every enrolled or accredited centre not yet billed for it.

    Safe to run any number of times, also concurrently: the constraint one_annual_invoice_per_year
    refuses a second invoice, and the refused one's number goes back with its rolled-back transaction.
    Each centre is billed on its own: the e-mail goes out inside the invoice's transaction, so a centre
    whose invoice or e-mail fails is logged, stays unbilled and is billed by the next run, while the
    others are billed now.
    """
    year = year or timezone.localdate().year
    issued = []
    # The yearly run crosses tenants on purpose: it bills every enrolment of every centre.
    billable = Enrolment.objects.filter(status__in=ENROLLED_STATUSES).select_related(
        "programme", "facility__authorised_representative", "facility__deputy_representative",
        "facility__main_account_holder",
    )
    due = billable.exclude(invoices__kind=Invoice.Kind.ANNUAL, invoices__fee_year=year, invoices__replaces__isnull=True)
    for enrolment in due:
        facility = enrolment.facility
        fees = fees_of(enrolment)
        if fees is None:
            logger.warning("No fees configured for programme %s; %s was not billed its annual fee.", enrolment.programme, facility)
            continue
        if not fees.annual_fee:
            continue
        try:
            with transaction.atomic():
                # Bill the centre as it is now: still billable, with its current billing details.
                enrolment = billable.select_for_update(of=("self",)).filter(pk=enrolment.pk).first()
                if enrolment is None:
                    continue
                facility = enrolment.facility
                with translation.override(facility.document_language()):
                    description = _("Annual administration fee %(year)s") % {"year": year}
                invoice = _issue_fee_invoice(enrolment, fees, Invoice.Kind.ANNUAL, description, fees.annual_fee, fee_year=year)
                send_portal_mail(
                    "invoice_issued", invoice_recipients(facility), {"invoice": invoice, "portal_url": settings.PORTAL_URL}
                )
        except IntegrityError:
            continue  # another run billed it a moment ago
        except Exception:
            logger.exception("The annual fee of %s for %s could not be billed; the next run tries again.", year, facility)
            continue
        issued.append(invoice)
    return issued


def invoice_recipients(facility):
    """The people who see invoices: authorised representative, deputy and main account holder."""
    people = (facility.authorised_representative, facility.deputy_representative, facility.main_account_holder)
    return sorted({person.email for person in people if person})  # a role is empty until its appointee takes it up


@transaction.atomic
def issue_credit_note(invoice, actor, *, reason, reissue=False):
    """Cancel an unpaid invoice with a credit note of the same lines, negated; optionally issue a corrected copy.

    The corrected copy bills the same lines with the facility's current billing details.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_credit_note:
        raise ValidationError(_("A credit note cannot be credited."))
    if Invoice.objects.filter(credited_invoice=invoice).exists():
        raise ValidationError(_("This invoice already has a credit note."))
    if invoice.payments.exists():
        raise ValidationError(_("Payments are recorded against this invoice; it cannot be credited in the portal."))
    lines = list(invoice.lines.values_list("description", "amount"))
    terms = (invoice.due_on - invoice.issued_on).days
    credit_note = issue_invoice(
        invoice.enrolment,
        Invoice.Kind.CREDIT_NOTE,
        [(_("Credit for invoice %(number)s: %(line)s") % {"number": invoice.number, "line": d}, -a) for d, a in lines],
        currency=invoice.currency,
        tax_rate=invoice.tax_rate,
        payment_terms_days=0,
        actor=actor,
        billing={field: getattr(invoice, field) for field in billing_details(invoice.facility)},
        credited_invoice=invoice,
        reason=reason,
    )
    replacement = None
    if reissue:
        replacement = issue_invoice(
            invoice.enrolment, invoice.kind, lines, currency=invoice.currency, tax_rate=invoice.tax_rate,
            payment_terms_days=terms, actor=actor, fee_year=invoice.fee_year, fee_item=invoice.fee_item,
            replaces=invoice, reason=reason,
        )
    return credit_note, replacement


def validate_payment(invoice, *, paid_on, amount, reference):
    """The rules a payment meets before it is recorded; ``invoice`` needs ``with_balance()``.

    Raises a ValidationError naming the field at fault: only an open invoice takes payments, dated
    between its issue and today, of at most what is outstanding, each bank reference once.
    """
    if invoice.is_credit_note:
        raise ValidationError(_("A credit note takes no payments."))
    outstanding = invoice.outstanding()
    if not outstanding:
        raise ValidationError(_("Nothing is outstanding on this invoice."))
    errors = {}
    if paid_on < invoice.issued_on:
        errors["paid_on"] = _("The invoice was issued on %(date)s; a payment against it cannot be older.") % {
            "date": date_format(invoice.issued_on)
        }
    elif paid_on > timezone.localdate():
        errors["paid_on"] = _("A payment cannot be dated in the future.")
    if amount <= 0:
        errors["amount"] = _("The amount must be more than zero.")
    elif amount > outstanding:
        errors["amount"] = _("Only %(outstanding)s is outstanding on this invoice.") % {
            "outstanding": format_money(outstanding, invoice.currency)
        }
    same_reference = invoice.payments.alias(normalised=normalised_reference("reference")).filter(
        normalised=normalised_reference(Value(reference))
    )
    if not reference:
        errors["reference"] = _("Enter the bank's reference of the payment.")
    elif earlier := same_reference.first():
        errors["reference"] = _(
            "A payment with the reference %(reference)s is already recorded on this invoice (%(amount)s "
            "received on %(date)s)."
        ) % {"reference": earlier.reference, "amount": format_money(earlier.amount, invoice.currency),
             "date": date_format(earlier.paid_on)}
    if errors:
        raise ValidationError(errors)


def recorded_payment(invoice, submission_token):
    """The payment an earlier post of the same payment form recorded, if any."""
    return invoice.payments.filter(submission_token=submission_token).first()


@transaction.atomic
def record_payment(invoice, actor, *, paid_on, amount, reference, submission_token=None):
    """Record money received. A fully paid enrolment invoice makes a registered facility an enrolled centre.

    Idempotent per ``submission_token``: the same form posted again (a double click, a second tab, a
    retry) returns the payment its first post recorded instead of recording another.
    """
    Invoice.objects.select_for_update().get(pk=invoice.pk)  # payments against one invoice queue up here
    invoice = Invoice.objects.with_balance().select_related("facility", "enrolment").get(pk=invoice.pk)
    submission_token = submission_token or uuid.uuid4()
    earlier = Payment.objects.filter(submission_token=submission_token).first()
    if earlier and earlier.invoice_id == invoice.pk:
        return earlier
    if earlier:
        raise ValidationError(_("This form was used for another invoice's payment. Open the payment form again."))
    reference = reference.strip()
    validate_payment(invoice, paid_on=paid_on, amount=amount, reference=reference)
    payment = Payment.objects.create(
        invoice=invoice, paid_on=paid_on, amount=amount, reference=reference, recorded_by=actor,
        submission_token=submission_token,
    )
    invoice.paid += amount
    remaining = invoice.outstanding()
    audit.record(
        "invoice.payment_recorded",
        gettext_noop("Payment of %(amount)s recorded against %(number)s (%(reference)s); %(remaining)s outstanding"),
        {"amount": format_money(amount, invoice.currency), "number": invoice.number, "reference": reference,
         "remaining": format_money(remaining, invoice.currency)},
        actor=actor,
        facility=invoice.facility,
        target=payment,
        changes={"invoice": invoice.number, "amount": str(amount), "paid_on": paid_on.isoformat(), "reference": reference},
    )
    if invoice.kind == Invoice.Kind.ENROLMENT and invoice.is_settled():
        enrolment = locked_enrolment(invoice.enrolment)
        if enrolment.status == Enrolment.Status.REGISTERED:
            enrol(enrolment, actor, paid_on=paid_on, payment_reference=reference)
    return payment


def invoice_pdf_bytes(invoice):
    """Render an invoice to PDF without storing it."""
    return render_pdf(
        "invoicing/invoice_pdf.html",
        {"invoice": invoice, "lines": list(invoice.lines.all()), "issuer": settings.INVOICE_ISSUER},
        invoice.facility.document_language(),
    )


def store_invoice_pdf(invoice):
    """Render and store the invoice's PDF once; running it again leaves the stored file alone."""
    # The random part keeps file names unguessable wherever storage is exposed (DEBUG media, bucket listings).
    return store_pdf_once(invoice, "pdf", f"{invoice.year}/{invoice.number}-{uuid.uuid4().hex[:12]}.pdf",
                          lambda: invoice_pdf_bytes(invoice))


def invoices_missing_pdf():
    """Invoices whose PDF is still not stored well after issue: every retry of the rendering task failed."""
    return Invoice.objects.filter(pdf="", created_at__lt=timezone.now() - RENDERING_GRACE).select_related(
        "facility").order_by("created_at", "pk")


def overdue_invoices(today=None):
    """Invoices past their due date with money still outstanding, oldest first (for the office)."""
    today = today or timezone.localdate()
    return Invoice.objects.filter(due_on__lt=today).outstanding().select_related("facility").order_by("due_on", "pk")


# The fee list: an invoice for any priced item of the facility's programme.

MAX_QUANTITY = 99
LINE_LENGTH = InvoiceLine._meta.get_field("description").max_length


def fee_items_of(facility):
    """The items of the fee lists of the facility's programmes the office may invoice now."""
    return FeeItem.objects.filter(fees__programme__enrolments__facility=facility, is_active=True).select_related(
        "fees__programme").order_by("fees__programme__name", "position", "pk")


def enrolment_billed_for(facility, item):
    """The facility's enrolment whose programme's fee list ``item`` is on, or None."""
    return facility.enrolments.select_related("facility", "programme").filter(programme_id=item.fees.programme_id).first()


def validate_fee_item_charge(facility, item, quantity):
    """The rules an invoice for a fee list item meets: an offered item of a programme the facility is enrolled in, a
    whole quantity from 1 to MAX_QUANTITY, more than nothing to pay."""
    if enrolment_billed_for(facility, item) is None:
        raise ValidationError(
            _("%(item)s is not on the fee list of a programme %(name)s is enrolled in.")
            % {"item": item.description, "name": facility.name}
        )
    if not item.is_active:
        raise ValidationError(_("%(item)s is no longer offered.") % {"item": item.description})
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(_("The quantity must be between 1 and %(max)s.") % {"max": MAX_QUANTITY})
    if item.amount * quantity <= 0:
        raise ValidationError(_("%(item)s has no amount to charge; set its amount in the fee list first.")
                              % {"item": item.description})


def fee_item_quote(item, quantity=1):
    """What an invoice for ``quantity`` of ``item`` comes to: subtotal, tax and total in the programme's currency."""
    subtotal = item.amount * quantity
    tax = tax_on(subtotal, item.fees.tax_rate)
    return {"currency": item.fees.currency, "subtotal": subtotal, "tax_rate": item.fees.tax_rate, "tax": tax,
            "total": subtotal + tax}


def fee_item_line(facility, item, quantity, note):
    """The invoice line, in the language of the facility's documents: an issued line never changes."""
    with translation.override(facility.document_language()):
        line = item.description  # a translated field reads the active language's column
        if quantity != 1:
            line = _("%(item)s: %(quantity)s × %(price)s") % {
                "item": line, "quantity": quantity, "price": format_money(item.amount, item.fees.currency)}
    if note:
        line = f"{line} – {note}"
    return Truncator(line).chars(LINE_LENGTH)


def issued_for_submission(submission_token):
    """The invoice an earlier post of the same office form issued, if any."""
    return Invoice.objects.filter(submission_token=submission_token).first() if submission_token else None


def _issue_fee_item_invoice(facility, item, actor, *, quantity=1, note="", submission_token=None):
    facility = locked(facility)
    earlier = issued_for_submission(submission_token)
    if earlier and earlier.facility_id == facility.pk:
        return earlier, False
    if earlier:
        raise ValidationError(_("This form was used for another facility's invoice. Open the form again."))
    item = FeeItem.objects.select_related("fees").get(pk=item.pk)  # as the office has it now
    validate_fee_item_charge(facility, item, quantity)
    invoice = issue_invoice(
        enrolment_billed_for(facility, item),
        Invoice.Kind.FEE_ITEM,
        [(fee_item_line(facility, item, quantity, note.strip()), item.amount * quantity)],
        currency=item.fees.currency,
        tax_rate=item.fees.tax_rate,
        payment_terms_days=item.fees.payment_terms_days,
        actor=actor,
        fee_item=item,
        submission_token=submission_token,
    )
    return invoice, True


@transaction.atomic
def issue_fee_item_invoice(facility, item, actor, *, quantity=1, note="", submission_token=None):
    """The office invoices ``quantity`` of a fee list item to the facility and e-mails its invoice roles.

    Numbered, audited and rendered like every invoice, and credited the same way. Idempotent per
    ``submission_token``: the same form posted again returns the invoice its first post issued.
    """
    invoice, issued = _issue_fee_item_invoice(
        facility, item, actor, quantity=quantity, note=note, submission_token=submission_token)
    if issued:
        recipients = invoice_recipients(invoice.facility)
        transaction.on_commit(lambda: send_portal_mail(
            "invoice_issued", recipients, {"invoice": invoice, "portal_url": settings.PORTAL_URL}))
    return invoice


def issue_reaccreditation_invoices(application, actor):
    """Invoice the fee list items of the programme that a re-accreditation on the application's path costs (SRS: its
    streamlined re-certification; IO: its re-accreditation). A programme without such an item invoices nothing.

    Called inside the transaction that starts the re-accreditation, which is taken once per award.
    """
    items = FeeItem.objects.of_programme(application.enrolment.programme_id).filter(
        invoiced_at_reaccreditation__in=[ANY_PATH, application.assessment_path])
    return [issue_fee_item_invoice(application.facility, item, actor) for item in items]


# Consultations a facility asks for; the office accepts (invoicing the fee list's consultation) or declines.

MAX_PREFERRED_DATES = 3


def requestable_fee_items(facility):
    """What facility staff may ask for from their programme's fee list (a consultation)."""
    return fee_items_of(facility).requestable()


def validate_consultation_request(facility, *, fee_item, topic, preferred_dates):
    """Raises a ValidationError naming the field at fault; returns the dates to keep (in order, once each)."""
    errors = {}
    if fee_item is None or not requestable_fee_items(facility).filter(pk=fee_item.pk).exists():
        errors["fee_item"] = _("Choose one of the consultations your programme offers.")
    if not topic.strip():
        errors["topic"] = _("Say what the consultation should be about.")
    elif facility.consultation_requests.filter(status=ConsultationRequest.Status.REQUESTED, topic__iexact=topic.strip()).exists():
        errors["topic"] = _("A consultation on this topic is already requested and waits for the office's answer.")
    dates = list(dict.fromkeys(day for day in preferred_dates if day))
    today = timezone.localdate()
    if not dates:
        errors["preferred_dates"] = _("Give at least one date that would suit you.")
    elif any(day <= today for day in dates):
        errors["preferred_dates"] = _("Preferred dates must be after today.")
    elif len(dates) > MAX_PREFERRED_DATES:
        errors["preferred_dates"] = _("Give at most %(count)s dates.") % {"count": MAX_PREFERRED_DATES}
    if errors:
        raise ValidationError(errors)
    return dates


def consultation_recipients(consultation):
    """The person who asked, and the facility's invoice roles (the consultation is charged to them)."""
    return sorted({consultation.requested_by.email, *invoice_recipients(consultation.facility)})


@transaction.atomic
def request_consultation(facility, person, *, fee_item, topic, preferred_dates, notes=""):
    """Facility staff ask for a consultation; the office is e-mailed and sees it on its start page."""
    facility = locked(facility)  # two posts of the same request queue up here and the second finds the first
    dates = validate_consultation_request(facility, fee_item=fee_item, topic=topic, preferred_dates=preferred_dates)
    consultation = ConsultationRequest.objects.create(
        facility=facility, fee_item=fee_item, topic=topic.strip(), preferred_dates=[day.isoformat() for day in dates],
        notes=notes.strip(), requested_by=person,
    )
    audit.record(
        "consultation.requested",
        gettext_noop("Consultation requested: %(topic)s"),
        {"topic": consultation.topic},
        actor=person,
        facility=facility,
        target=consultation,
        changes={"status": [None, consultation.status], "preferred_dates": ", ".join(consultation.preferred_dates)},
    )
    context = {"consultation": consultation, "facility": facility,
               "link": settings.PORTAL_URL + reverse("invoicing:office_consultation", args=[consultation.pk])}
    transaction.on_commit(lambda: send_portal_mail("consultation_requested", [settings.OFFICE_EMAIL], context))
    return consultation


def _decided(consultation, actor, status, action, summary, args, **fields):
    previous = consultation.status
    consultation.status = status
    consultation.decided_by = actor
    consultation.decided_at = timezone.now()
    for name, value in fields.items():
        setattr(consultation, name, value)
    consultation.save(update_fields=["status", "decided_by", "decided_at", *fields])
    audit.record(action, summary, {"topic": consultation.topic, **args}, actor=actor, facility=consultation.facility,
                 target=consultation, changes={"status": [previous, status], **{k: str(v) for k, v in fields.items()}})


def _open_for_decision(consultation, status):
    """The request locked as it is now, and whether it still waits for a decision. One that has ``status`` already
    (the same decision posted again) is returned as it is; one decided otherwise is refused."""
    consultation = ConsultationRequest.objects.select_for_update(of=("self",)).select_related(
        "facility", "fee_item__fees", "requested_by", "invoice").get(pk=consultation.pk)
    if consultation.status == status:
        return consultation, False
    if consultation.status == ConsultationRequest.Status.ACCEPTED:
        raise ValidationError(_("This request was accepted already."))
    if consultation.status == ConsultationRequest.Status.DECLINED:
        raise ValidationError(_("This request was declined already."))
    if consultation.status == ConsultationRequest.Status.WITHDRAWN:
        raise ValidationError(_("The facility withdrew this request."))
    return consultation, True


@transaction.atomic
def accept_consultation(consultation, actor):
    """Accept the request and, in the same transaction, invoice its consultation; the facility is e-mailed.

    Accepting twice (a double click, a second tab) returns the first acceptance: one invoice per request.
    """
    consultation, open_ = _open_for_decision(consultation, ConsultationRequest.Status.ACCEPTED)
    if not open_:
        return consultation
    invoice, _issued = _issue_fee_item_invoice(consultation.facility, consultation.fee_item, actor,
                                               note=consultation.topic)
    _decided(consultation, actor, ConsultationRequest.Status.ACCEPTED, "consultation.accepted",
             gettext_noop("Consultation request accepted: %(topic)s; invoice %(number)s"), {"number": invoice.number},
             invoice=invoice)
    context = {"consultation": consultation, "invoice": invoice, "portal_url": settings.PORTAL_URL}
    recipients = consultation_recipients(consultation)
    transaction.on_commit(lambda: send_portal_mail("consultation_accepted", recipients, context))
    return consultation


@transaction.atomic
def decline_consultation(consultation, actor, *, reason):
    """Decline the request with a reason, which the facility is e-mailed; declining twice declines once."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the facility a reason.")})
    consultation, open_ = _open_for_decision(consultation, ConsultationRequest.Status.DECLINED)
    if not open_:
        return consultation
    _decided(consultation, actor, ConsultationRequest.Status.DECLINED, "consultation.declined",
             gettext_noop("Consultation request declined: %(topic)s (%(reason)s)"), {"reason": reason},
             decline_reason=reason)
    context = {"consultation": consultation, "portal_url": settings.PORTAL_URL}
    recipients = consultation_recipients(consultation)
    transaction.on_commit(lambda: send_portal_mail("consultation_declined", recipients, context))
    return consultation


@transaction.atomic
def withdraw_consultation(consultation, person):
    """The facility takes back a request the office has not answered yet; withdrawing twice withdraws once."""
    consultation, open_ = _open_for_decision(consultation, ConsultationRequest.Status.WITHDRAWN)
    if open_:
        _decided(consultation, person, ConsultationRequest.Status.WITHDRAWN, "consultation.withdrawn",
                 gettext_noop("Consultation request withdrawn: %(topic)s"), {})
    return consultation


def open_consultation_requests():
    """Requests waiting for the office's answer, oldest first."""
    return ConsultationRequest.objects.filter(status=ConsultationRequest.Status.REQUESTED).select_related(
        "facility", "fee_item").order_by("requested_at", "pk")
