"""The one way an office list leaves the portal: as CSV or Excel, with the filters the page shows.

A list declares its export once, next to its view: a ``ListExport`` names the list, its columns as (header,
accessor) pairs, and the function that filters its rows from the page's query string (the page filters with the
same function, so the file holds what the page lists). Up to settings.EXPORT_ROWS_IN_REQUEST rows answer the
request; a longer list is written by the worker into an ``Export`` (accreditation.tasks), whose page shows its
progress and then the download, to the person who asked only.
"""
import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import tablib
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_noop

from .models import Export

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Spreadsheets run a cell that starts like a formula (a tab or carriage return can hide one): such text is
# written with a leading apostrophe, which shows it as the text it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAGING = ("page", "after", "before")  # and any "<list>_page" or "<list>_after" of a page with several lists
PROGRESS_EVERY = 500  # rows between two progress updates of a worker's export
STALE_AFTER = datetime.timedelta(hours=1)  # a worker's export still unwritten after this has been lost

LISTS = {}


@dataclass(frozen=True)
class ListExport:
    """How one office list is exported. ``rows(user, params)`` is the list's own filter (``params``: its query
    string); ``prepare(rows)`` adds what the columns read and the page does not (select_related, annotations), so
    a file costs the same few queries at any length. An accessor is an attribute path ("facility.name", a method
    is called) or a function of the row."""

    name: str
    title: str
    columns: tuple
    rows: Callable
    prepare: Callable = None

    def __post_init__(self):
        LISTS[self.name] = self

    def queryset(self, user, params):
        rows = self.rows(user, params)
        return self.prepare(rows) if self.prepare else rows

    def dataset(self, rows, progress=None):
        """The rows as a Dataset, headers in the active language; ``progress(count)`` is told every few hundred."""
        dataset = tablib.Dataset(headers=[str(header) for header, _accessor in self.columns], title=self.name)
        for count, row in enumerate(rows, 1):
            dataset.append([value_of(row, accessor) for _header, accessor in self.columns])
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
        return dataset


def choice(field_name):
    """An accessor of a choice field's label, looked up once per language (get_<field>_display translates every
    choice on every call: a third of a 5,000-row file's time)."""
    from .templatetags.listing import choice_label

    return lambda row: choice_label(row, field_name)


def value_of(row, accessor):
    if callable(accessor):
        return accessor(row)
    value = row
    for name in accessor.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
        if callable(value) and not isinstance(value, QuerySet):
            value = value()
    return value


def declared_lists():
    """Every declared list export by name (each app's office_views declares its lists')."""
    autodiscover_modules("office_views")
    return LISTS


def list_export(name):
    """The declared export of the list ``name``, or 404."""
    try:
        return declared_lists()[name]
    except KeyError:
        raise Http404 from None


# Files -------------------------------------------------------------------------------------------------------


def spreadsheet_cell(value):
    """A value as a cell: numbers stay numbers (money with its currency in another column), dates ISO 8601,
    times in the portal's time zone to the minute, text that a spreadsheet would run as a formula neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def render_dataset(dataset, fmt):
    """The dataset's file as bytes: CSV in UTF-8 with a byte-order mark (Excel reads it as UTF-8 then), or XLSX."""
    safe = tablib.Dataset(
        *[[spreadsheet_cell(value) for value in row] for row in dataset],
        headers=[spreadsheet_cell(header) for header in dataset.headers or []], title=dataset.title,
    )
    if fmt == "csv":
        return ("\ufeff" + safe.export("csv")).encode()
    if fmt == "xlsx":
        return safe.export("xlsx")
    raise ValueError(f"Unknown export format {fmt!r}")


def without_paging(params):
    """The list's query string as a QueryDict of its filters only: paging says where a page starts, a file holds
    every row."""
    filters = params.copy()
    for name in list(filters):
        if name in PAGING or name.endswith(("_page", "_after")):
            del filters[name]
    return filters


def export_filename(filename_stem, fmt):
    return f"{filename_stem}-{timezone.localdate().isoformat()}.{fmt}"


def dataset_response(dataset, filename_stem, fmt):
    """A download of ``dataset`` as ``fmt`` ("csv" or "xlsx"), named after the list and today's date."""
    response = HttpResponse(render_dataset(dataset, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, export_filename(filename_stem, fmt))
    return response


# Exports written by the worker --------------------------------------------------------------------------------


def start_export(user, declaration, params, fmt, rows_total):
    """Ask the worker for the list's file; the Export to watch. Called outside a transaction (views run in
    autocommit), so the worker finds the row. A broker that does not answer fails the export at once.

    Asking again while the same file is being written (a second click, a reload) watches that one.
    """
    from .tasks import write_list_export

    wanted = {"requested_by": user, "list_name": declaration.name, "filters": without_paging(params).urlencode(),
              "format": fmt, "language": translation.get_language() or settings.LANGUAGE_CODE}
    under_way = Export.objects.filter(**wanted, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]).first()
    if under_way:
        return under_way
    export = Export.objects.create(**wanted, rows_total=rows_total)
    try:
        write_list_export.delay(export.pk)
    except Exception:  # the broker, or an eager run failing outside write_export's own guard
        logger.exception("Queueing export %s failed", export.pk)
        _fail(export, gettext_noop("The export could not be started. Please try again later."))
    export.refresh_from_db()  # an eager task has written it already
    return export


def write_export(export_id):
    """Write the export's file. Claimed by a conditional update, so a task delivered twice writes it once.

    The file is stored whole and marked ready in the same update as its name (where store_pdf_once, for a
    document whose PDF may come later, stores the name alone); an export that fails says so and keeps no file.
    """
    if not Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(status=Export.Status.RUNNING):
        return None
    export = Export.objects.select_related("requested_by").get(pk=export_id)
    name = None
    try:
        if not export.requested_by.is_office:
            return _fail(export, gettext_noop("Only the office exports lists."))
        declaration = list_export(export.list_name)

        def progress(count):
            Export.objects.filter(pk=export.pk).update(rows_done=count)

        with translation.override(export.language):
            rows = declaration.queryset(export.requested_by, QueryDict(export.filters))
            dataset = declaration.dataset(rows.iterator(chunk_size=2000), progress)
            content = render_dataset(dataset, export.format)
        filename = export_filename(declaration.name, export.format)
        name = export.file.storage.save(export.file.field.generate_filename(export, filename), ContentFile(content))
        finished = Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
            status=Export.Status.DONE, file=name, rows_done=len(dataset), rows_total=len(dataset),
            finished_at=timezone.now(),
        )
        if not finished:  # marked lost meanwhile (see fail_stale_exports): nothing of this run stays
            export.file.storage.delete(name)
        return name if finished else None
    except Exception:
        logger.exception("Writing export %s failed", export.pk)
        if name:
            export.file.storage.delete(name)
        return _fail(export, gettext_noop("The export failed. Please try again; if it fails again, the log says why."))


def _fail(export, reason):
    Export.objects.filter(pk=export.pk).exclude(status=Export.Status.DONE).update(
        status=Export.Status.FAILED, error=reason, finished_at=timezone.now()
    )


def fail_stale_exports(now=None):
    """Exports a worker took or was given over STALE_AFTER ago and never finished (the worker stopped): failed."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    return Export.objects.filter(status__in=[Export.Status.QUEUED, Export.Status.RUNNING], created_at__lt=cutoff).update(
        status=Export.Status.FAILED, finished_at=timezone.now(),
        error=gettext_noop("The worker stopped before the file was written. Please try again."),
    )


def delete_old_exports(now=None):
    """Exports older than settings.EXPORT_KEEP_DAYS, with their files; one that cannot be deleted is logged and
    the others are deleted all the same. The ids deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    deleted = []
    for export in Export.objects.filter(created_at__lt=cutoff):
        pk = export.pk
        try:
            if export.file:
                export.file.storage.delete(export.file.name)
            export.delete()
        except Exception:
            logger.exception("Deleting export %s failed", pk)
        else:
            deleted.append(pk)
    return deleted
