"""A pathway's expert steps: the office schedules them; their expert (or the office) records them; the facility,
the application's assessors and the office read them. Another facility's record answers 404."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, View

from applications.models import PathwayStep
from facilities.access import SignedInMixin
from facilities.permissions import is_staff_of

from . import steps
from .models import DosimetryAudit, DosimetryPoint, RemoteReview, SiteVisit
from .office_views import OfficeApplicationMixin
from .step_forms import (
    SCHEDULE_FORMS, DosimetryPointForm, RemeasurementForm, RemoteReviewForm, SiteVisitFindingsForm,
)


def refused(form, exc):
    """A service's refusal shown on the form: on its field where it names one the form has."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ScheduleStepView(OfficeApplicationMixin, FormView):
    template_name = "assessment/step_schedule.html"

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.step = get_object_or_404(PathwayStep, pk=kwargs["step_pk"], pathway_id=self.application.pathway_id,
                                      kind__in=list(steps.RECORDS), path__in=["", self.application.assessment_path])

    def get_form(self, form_class=None):
        return SCHEDULE_FORMS[self.step.kind](application=self.application, **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(step=self.step, **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            steps.schedule_step(self.application, self.request.user, self.step, expert=data.pop("expert"), **data)
        except ValidationError as exc:
            refused(form, exc)
            return self.form_invalid(form)
        return self.done(_("%(step)s is scheduled.") % {"step": self.step.title})


class StepRecordMixin(SignedInMixin):
    """One step record the user may see (``visible_to``). Reading is for everyone who sees it; writing is for its
    expert and the office (403 for the others)."""

    model = None
    readers_may_get = True

    def setup_scope(self, request, *args, **kwargs):
        self.record = get_object_or_404(
            self.model.objects.visible_to(request.user).select_related(
                "application__facility", "application__pathway", "step", "expert"),
            pk=kwargs["pk"])
        self.application = self.record.application
        self.may_record = steps.may_record(request.user, self.record)

    def allowed(self, user):
        return self.may_record or (self.readers_may_get and self.request.method in ("GET", "HEAD"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            record=self.record, application=self.application, step=self.record.step,
            may_record=self.may_record and not self.record.outcome and self.application.status in steps.STEPS_OPEN,
            # The facility does not learn who its assessors are: the expert is named to the office and assessors.
            facility_reader=is_staff_of(self.request.user, self.application.facility),
            back_url=self.back_url(), **kwargs)

    def back_url(self):
        user = self.request.user
        if user.is_office:
            return self.application.get_absolute_url()
        if user.is_assessor:
            return reverse("assessment:review", args=[self.application.pk])
        return reverse("assessment:feedback")

    def recorded(self, message):
        messages.success(self.request, message)
        return redirect(self.record.get_absolute_url())


class SiteVisitView(StepRecordMixin, FormView):
    model = SiteVisit
    template_name = "assessment/site_visit.html"

    def get_form(self, form_class=None):
        return SiteVisitFindingsForm(areas=list(self.record.step.areas.all()), **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(findings=self.record.findings.select_related("area"), **kwargs)

    def form_valid(self, form):
        try:
            steps.record_site_visit(self.record, self.request.user, form.findings(),
                                    outcome=form.cleaned_data["outcome"], outcome_note=form.cleaned_data["outcome_note"])
        except ValidationError as exc:
            refused(form, exc)
            return self.form_invalid(form)
        return self.recorded(_("The site visit's findings are recorded."))


class DosimetryAuditView(StepRecordMixin, FormView):
    """The measurement points as a table (failing rows marked in words), and a form for the next point."""

    model = DosimetryAudit
    template_name = "assessment/dosimetry_audit.html"
    form_class = DosimetryPointForm

    def get_context_data(self, **kwargs):
        results = steps.point_results(self.record)
        return super().get_context_data(results=results, all_pass=steps.audit_passes(results),
                                        pathway=self.application.pathway, **kwargs)

    def form_valid(self, form):
        try:
            steps.record_dosimetry_point(self.record, self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            refused(form, exc)
            return self.form_invalid(form)
        return self.recorded(_("The measurement is recorded."))


class RemeasurePointView(StepRecordMixin, FormView):
    """A re-measurement of a point out of tolerance; for the expert and the office only."""

    model = DosimetryAudit
    readers_may_get = False
    template_name = "assessment/remeasure.html"
    form_class = RemeasurementForm

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.point = get_object_or_404(DosimetryPoint, pk=kwargs["point_pk"], audit=self.record, remeasures=None)

    def get_context_data(self, **kwargs):
        result = next(r for r in steps.point_results(self.record) if r.original.point.pk == self.point.pk)
        return super().get_context_data(point=self.point, result=result, pathway=self.application.pathway, **kwargs)

    def form_valid(self, form):
        try:
            steps.remeasure_point(self.point, self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            refused(form, exc)
            return self.form_invalid(form)
        return self.recorded(_("The re-measurement is recorded beside the original."))


class CompleteDosimetryAuditView(StepRecordMixin, View):
    model = DosimetryAudit
    readers_may_get = False

    def post(self, request, pk):
        try:
            record = steps.complete_dosimetry_audit(self.record, request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The dosimetry audit is completed: %(outcome)s.")
                             % {"outcome": record.get_outcome_display()})
        return redirect(self.record.get_absolute_url())


class RemoteReviewView(StepRecordMixin, FormView):
    model = RemoteReview
    template_name = "assessment/remote_review.html"
    form_class = RemoteReviewForm

    def form_valid(self, form):
        try:
            steps.record_remote_review(self.record, self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            refused(form, exc)
            return self.form_invalid(form)
        return self.recorded(_("The remote review is recorded."))
