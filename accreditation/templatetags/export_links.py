from django import template
from django.urls import reverse

from ..exports import PAGING

register = template.Library()


@register.inclusion_tag("includes/export_links.html", takes_context=True)
def export_links(context, list_name):
    """"Download CSV" and "Download Excel" for the list, carrying the page's filters (not its paging)."""
    query = context["request"].GET.copy()
    for name in list(query):
        if name in PAGING or name.endswith(("_page", "_after")):
            del query[name]
    query = f"?{query.urlencode()}" if query else ""
    return {
        "csv_url": reverse("office:export_list", args=[list_name, "csv"]) + query,
        "xlsx_url": reverse("office:export_list", args=[list_name, "xlsx"]) + query,
    }
