"""The office's downloads of its lists (accreditation.exports): a file at once, or a worker's export to watch.

A worker's export is for the person who asked only: it is a copy of personal data (people, the audit trail) made
for them at one moment, and another member of the office makes their own with one click. Another person's
export answers 404, so its existence does not leak either.
"""
from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import DetailView, ListView, View

from facilities.access import OfficeMixin

from .exports import CONTENT_TYPES, dataset_response, list_export, start_export
from .models import Export
from .pagination import PaginatedListMixin


class ExportListView(OfficeMixin, View):
    """``/office/exports/<list>.<format>?<the list's filters>``: the file, or the worker's export to watch."""

    def get(self, request, list_name, fmt):
        declaration = list_export(list_name)
        rows = declaration.queryset(request.user, request.GET)
        total = rows.count()
        if total > settings.EXPORT_ROWS_IN_REQUEST:
            return redirect(start_export(request.user, declaration, request.GET, fmt, total))
        return dataset_response(declaration.dataset(rows), declaration.name, fmt)


class OwnExportMixin(OfficeMixin):
    def setup_scope(self, request, *args, **kwargs):
        self.export = get_object_or_404(Export.objects.filter(requested_by=request.user), pk=kwargs["pk"])


class ExportView(OwnExportMixin, DetailView):
    """How far the worker is, and the download once it is written. The status part reloads itself (htmx), or the
    whole page does without JavaScript."""

    def get_object(self, queryset=None):
        return self.export

    def get_template_names(self):
        return ["exports/_status.html" if self.request.htmx else "exports/export.html"]


class ExportDownloadView(OwnExportMixin, View):
    def get(self, request, *args, **kwargs):
        if self.export.status != Export.Status.DONE:
            return redirect(self.export)
        try:
            stored = self.export.file.open("rb")
        except OSError:
            raise Http404 from None
        day = timezone.localtime(self.export.created_at).date().isoformat()
        return FileResponse(stored, as_attachment=True, filename=f"{self.export.list_name}-{day}.{self.export.format}",
                            content_type=CONTENT_TYPES[self.export.format])


class MyExportsView(OfficeMixin, PaginatedListMixin, ListView):
    """The exports the worker wrote or is writing for me, newest first, until they are deleted."""

    template_name = "exports/my_exports.html"
    context_object_name = "exports"

    def get_queryset(self):
        return Export.objects.filter(requested_by=self.request.user)
