"""The office reads any application's case review; an assigned assessor reads that application's."""
from django.shortcuts import get_object_or_404
from django.views.generic import FormView, TemplateView

from applications.models import Application
from facilities.access import AssessorMixin, OfficeMixin

from . import services
from .forms import RepeatDrawForm
from .models import CaseReview, ReviewCaseRevision


class VisibleApplicationMixin:
    """The application of the URL, as far as the office or its assigned assessor may see it (404 otherwise)."""

    def setup_scope(self, request, *args, **kwargs):
        self.application = get_object_or_404(
            Application.objects.visible_to(request.user).select_related("facility"), pk=kwargs["pk"]
        )


class CaseReviewReadingMixin(VisibleApplicationMixin):
    template_name = "casereview/office_review.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            application=self.application,
            facility=self.application.facility,
            review=CaseReview.objects.visible_to(self.request.user).filter(application=self.application).first(),
            summary=services.summarise_review(self.application),
            revisions=ReviewCaseRevision.objects.filter(case__review__application=self.application)
            .select_related("changed_by").order_by("-changed_at")[:200],
            office=self.request.user.is_office,
            reading=True,  # the cases are rows of this page, not the facility's case pages
            **kwargs,
        )


class OfficeCaseReviewView(CaseReviewReadingMixin, OfficeMixin, TemplateView):
    pass


class AssessorCaseReviewView(CaseReviewReadingMixin, AssessorMixin, TemplateView):
    pass


class RepeatDrawMixin(VisibleApplicationMixin):
    """Repeat the recorded draw (office or assigned assessor): the list is read, compared, never stored."""

    template_name = "casereview/repeat_draw.html"

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.review = get_object_or_404(
            CaseReview.objects.visible_to(request.user).filter(draws__isnull=False).distinct(), application=self.application
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "review": self.review}

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, facility=self.application.facility,
                                        review=self.review, draws=list(self.review.draws.select_related("drawn_by")),
                                        office=self.request.user.is_office, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        result = services.repeat_draw(data["draw"], data["records"], data["seed"])
        return self.render_to_response(self.get_context_data(form=form, result=result))


class OfficeRepeatDrawView(RepeatDrawMixin, OfficeMixin, FormView):
    form_class = RepeatDrawForm


class AssessorRepeatDrawView(RepeatDrawMixin, AssessorMixin, FormView):
    form_class = RepeatDrawForm
