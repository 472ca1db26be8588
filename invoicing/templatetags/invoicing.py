from django import template
from django.utils.html import format_html

from accreditation.formats import format_money

from accreditation.pagination import paginate

from .. import services
from ..models import ConsultationRequest, Invoice
from ..permissions import can_request_consultation

register = template.Library()


@register.filter
def money(amount, currency):
    """An amount in its currency, as the reader's language writes money (Babel): "€1,234.50", "1.234,50 €"."""
    return format_money(amount, currency)


@register.simple_tag
def invoice_status(invoice):
    """The invoice's state as a badge (needs ``with_balance()``). A tag, not an included template: a page of
    50 invoices spent a sixth of its time including one."""
    badge, label = invoice.state()
    return format_html('<span class="badge{}">{}</span>', f" {badge}" if badge else "", label)


@register.inclusion_tag("invoicing/_office_facility_invoices.html", takes_context=True)
def office_facility_invoices(context, facility):
    """The facility's invoices on the office's facility page."""
    invoices = Invoice.objects.visible_to(context["request"].user).filter(facility=facility).with_balance().select_related("fee_item")
    return {"facility": facility, "invoices": invoices}


DASHBOARD_CONSULTATIONS = 5


@register.inclusion_tag("invoicing/_facility_consultations.html", takes_context=True)
def facility_consultations(context):
    """The dashboard's card for those who may request a consultation: their facility's latest requests and the
    button to ask for one. Nothing (and no query) for the others."""
    user, facility = context["request"].user, context["facility"]
    if not can_request_consultation(user, facility):
        return {"shown": False}
    requests = ConsultationRequest.objects.visible_to(user).select_related("invoice")[:DASHBOARD_CONSULTATIONS]
    return {"shown": True, "consultations": requests, "offered": services.requestable_fee_items(facility).exists()}


ATTENTION_PER_PAGE = 10


@register.inclusion_tag("invoicing/_office_consultation_requests.html", takes_context=True)
def office_consultation_requests(context):
    """The office start page's card: consultation requests waiting for an answer, oldest first."""
    return {"requests": paginate(context["request"], services.open_consultation_requests(), "consultations_page",
                                 per_page=ATTENTION_PER_PAGE)}
