"""The portal's one PDF renderer: an HTML template through WeasyPrint (case reviews, certificates, invoices)."""
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative and root-relative URLs such as {% static %} resolve against this base, never against the network.
BASE_URL = "file:///"


class StaticFilesFetcher(URLFetcher):
    """Serves the portal's static files (stylesheets, logos) and refuses everything else.

    A PDF shows text the facility typed; refusing other URLs keeps rendering from reaching the network or disk.
    """

    def fetch(self, url, headers=None):
        path = unquote(urlsplit(url).path) if url.startswith(BASE_URL) else url
        if not path.startswith(settings.STATIC_URL):
            raise ValueError(f"Only static files are available to PDFs, not {url}")
        found = finders.find(path.removeprefix(settings.STATIC_URL))
        if not found:
            raise ValueError(f"No static file at {url}")
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": content_type})


def render_pdf(template_name, context):
    """The PDF of a template rendered with the context, as bytes."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()
