from django import template
from django.utils.html import format_html

from accreditation.formats import format_money

from ..models import Invoice

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
    invoices = Invoice.objects.visible_to(context["request"].user).filter(facility=facility).with_balance()
    return {"facility": facility, "invoices": invoices}
