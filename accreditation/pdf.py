"""The one PDF renderer: an HTML template through WeasyPrint. Certificates, invoices and exports use it."""
from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name, context):
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    # Templates refer to static files by path; WeasyPrint resolves them against the static folder.
    return HTML(string=html, base_url=str(settings.BASE_DIR / "static")).write_pdf()
