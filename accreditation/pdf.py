"""The portal's one PDF renderer: an HTML template through WeasyPrint (case reviews, certificates, invoices)."""
import logging
import mimetypes
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Relative and root-relative URLs such as {% static %} resolve against this base, never against the network.
BASE_URL = "file:///"

# A stored PDF is rendered by a task retried with growing delays (about 20 s to 5 min, some 10 minutes in all,
# enough for storage or a worker to come back); a document still without its PDF after this is shown to the office.
rendering_task = shared_task(
    autoretry_for=(Exception,), retry_backoff=20, retry_backoff_max=300, retry_jitter=False, max_retries=5
)
RENDERING_GRACE = timedelta(minutes=15)


class PdfResourceMissing(Exception):
    """A stylesheet or image the template links to could not be loaded: the PDF would come out unstyled."""


def _static_file(name):
    """The bytes of a static file, from the source folders or, under a hashed-name (manifest) storage, as collected."""
    found = finders.find(name)
    if found:
        with open(found, "rb") as source:
            return source.read()
    if staticfiles_storage.exists(name):
        with staticfiles_storage.open(name) as collected:
            return collected.read()
    return None


class StaticFilesFetcher(URLFetcher):
    """Serves the portal's static files (stylesheets, logos) and refuses everything else.

    A PDF shows text the facility typed; refusing other URLs keeps rendering from reaching the network or disk.
    WeasyPrint only logs a resource it cannot load, so the refusals are kept for ``render_pdf`` to raise.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = []

    def fetch(self, url, headers=None):
        path = unquote(urlsplit(url).path) if url.startswith(BASE_URL) else url
        content = _static_file(path.removeprefix(settings.STATIC_URL)) if path.startswith(settings.STATIC_URL) else None
        if content is None:
            self.missing.append(url)
            raise ValueError(f"Only the portal's static files are available to PDFs, not {url}")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, content, {"Content-Type": content_type})


def render_pdf(template_name, context, language=None):
    """The PDF of a template rendered with the context, as bytes; raises PdfResourceMissing rather than drop styling.

    ``language``: the document's (a facility's PDFs are in Facility.document_language()); else the current one.
    """
    with translation.override(language or translation.get_language()):
        html = render_to_string(template_name, context)
    fetcher = StaticFilesFetcher()
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    if fetcher.missing:
        raise PdfResourceMissing(f"{template_name} links to {', '.join(fetcher.missing)}, which could not be loaded")
    return pdf


def store_pdf_once(instance, field_name, filename, render_bytes):
    """Store ``render_bytes()`` in ``instance.<field_name>`` unless a PDF is stored there; the stored file's name.

    Two runs at once (a retried task, the office's re-run, a download) leave one file: the second deletes its own.
    """
    field_file = getattr(instance, field_name)
    if field_file:
        return field_file.name
    name = field_file.storage.save(field_file.field.generate_filename(instance, filename), ContentFile(render_bytes()))
    rows = type(instance)._default_manager.filter(pk=instance.pk, **{field_name: ""})
    if not rows.update(**{field_name: name}):
        field_file.storage.delete(name)
        name = type(instance)._default_manager.values_list(field_name, flat=True).get(pk=instance.pk)
    setattr(instance, field_name, name)
    return name


def render_or_log(store, document):
    """Run ``store(document)``; a failure is logged and answered with None, so a page says so instead of a 500."""
    try:
        return store(document)
    except Exception:  # storage, fonts, templates: whatever broke, the document stays listed as missing its PDF
        logger.exception("Rendering the PDF of %r failed", document)
        return None


def pdf_download(request, store, document, field_name, filename):
    """The document's stored PDF as a download, rendered now if it is not stored yet.

    A stored file that storage has lost (a restored bucket, a deleted object) is forgotten and rendered again
    once: the document's data is what the PDF shows, so the new file says the same. Otherwise: being prepared.
    """
    for attempt in range(2):
        if render_or_log(store, document) is None:
            break
        name = getattr(document, field_name).name
        try:
            stored = getattr(document, field_name).storage.open(name, "rb")
        except OSError:
            logger.error("The stored PDF %s of %r is missing from storage; rendering it again", name, document)
            type(document)._default_manager.filter(pk=document.pk, **{field_name: name}).update(**{field_name: ""})
            setattr(document, field_name, "")
            continue
        return FileResponse(stored, as_attachment=True, filename=filename, content_type="application/pdf")
    return pdf_being_prepared(request)


def pdf_being_prepared(request, template_name="pdf_being_prepared.html", retry_after=60):
    """The answer to a download whose PDF is not stored yet: 503 and when to try again.

    By default for a rendering that failed just now (the office is told); a worker's export passes its own page.
    """
    response = render(request, template_name, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def render_again(request, store, document, what):
    """The office's re-run of a failed rendering: the page says how it went; a stored PDF is in the audit trail."""
    from facilities import audit

    if render_or_log(store, document) is None:
        messages.error(request, _("The PDF of %(what)s could not be rendered; the log says why.") % {"what": what})
    else:
        audit.record("pdf.rendered", gettext_noop("PDF of %(what)s rendered again"), {"what": what}, actor=request.user,
                     facility=document.facility, target=document)
        messages.success(request, _("The PDF of %(what)s is stored.") % {"what": what})
    return redirect("office:attention")
