from django import template
from django.urls import reverse

from ..exports import without_paging

register = template.Library()


@register.inclusion_tag("includes/export_links.html", takes_context=True)
def export_links(context, list_name):
    """"Download CSV" and "Download Excel" for the list, carrying the page's filters (not its paging)."""
    filters = without_paging(context["request"].GET)
    query = f"?{filters.urlencode()}" if filters else ""
    return {
        "csv_url": reverse("office:export_list", args=[list_name, "csv"]) + query,
        "xlsx_url": reverse("office:export_list", args=[list_name, "xlsx"]) + query,
    }
