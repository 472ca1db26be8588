"""The office's report page: the pipeline's figures as charts, each with its table and a CSV of that table."""
from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView, View

from accreditation.exports import dataset_response
from facilities.access import OfficeMixin

from .charts import bar_chart
from .figures import FIGURES


class ReportView(OfficeMixin, TemplateView):
    """Four figures, a query each."""

    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        figures = [figure(self.request.user, today) for figure in FIGURES.values()]
        return super().get_context_data(figures=[(figure, bar_chart(figure)) for figure in figures], **kwargs)


class FigureCSVView(OfficeMixin, View):
    def get(self, request, figure):
        if figure not in FIGURES:
            raise Http404
        today = timezone.localdate()
        return dataset_response(FIGURES[figure](request.user, today).dataset(), figure, "csv")
