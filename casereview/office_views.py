"""The office reads any application's case review; an assigned assessor reads that application's."""
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from applications.models import Application
from facilities.access import AssessorMixin, OfficeMixin

from . import services
from .models import CaseReview, ReviewCaseRevision


class CaseReviewReadingMixin:
    template_name = "casereview/office_review.html"

    def setup_scope(self, request, *args, **kwargs):
        self.application = get_object_or_404(
            Application.objects.visible_to(request.user).select_related("facility"), pk=kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            application=self.application,
            facility=self.application.facility,
            review=CaseReview.objects.visible_to(self.request.user).filter(application=self.application).first(),
            summary=services.summarise_review(self.application),
            revisions=ReviewCaseRevision.objects.filter(case__review__application=self.application)
            .select_related("changed_by").order_by("-changed_at")[:200],
            office=self.request.user.is_office,
            **kwargs,
        )


class OfficeCaseReviewView(CaseReviewReadingMixin, OfficeMixin, TemplateView):
    pass


class AssessorCaseReviewView(CaseReviewReadingMixin, AssessorMixin, TemplateView):
    pass
