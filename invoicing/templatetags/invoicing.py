from django import template

from ..models import Invoice

register = template.Library()


@register.filter
def money(amount, currency=""):
    """1234.5, "EUR" -> "EUR 1,234.50"."""
    return f"{currency} {amount:,.2f}".strip()


@register.inclusion_tag("invoicing/_office_facility_invoices.html", takes_context=True)
def office_facility_invoices(context, facility):
    """The facility's invoices on the office's facility page."""
    invoices = Invoice.objects.visible_to(context["request"].user).filter(facility=facility).with_balance()
    return {"facility": facility, "invoices": invoices}
