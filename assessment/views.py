from django.views.generic import TemplateView

from facilities.access import AssessorMixin


class AssessorQueueView(AssessorMixin, TemplateView):
    """An assessor's assignments."""

    template_name = "assessment/queue.html"
