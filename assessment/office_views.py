"""The office's side of assessment: assignment, audits, and the chairperson's decision."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, View

from accreditation.pagination import PaginatedListMixin
from accreditation.pdf import render_again
from applications.models import Application
from facilities.access import ChairpersonMixin, OfficeMixin

from . import services, steps
from .forms import AssignAssessorsForm, AuditForm, AuditOutcomeForm, DecisionForm
from .models import Assignment, Audit, Award, Recommendation
from .workflow import Status


class AssessmentListView(OfficeMixin, PaginatedListMixin, ListView):
    """Every application past its draft, newest first, 50 a page; the assessors of a page come in one query, and
    the rounds and decisions of its rows that owe something in one each."""

    template_name = "assessment/office_list.html"

    def get_queryset(self):
        applications = Application.objects.visible_to(self.request.user).exclude(status=Status.DRAFT)
        self.status = self.request.GET.get("status", "")
        if self.status in Status.values:
            applications = applications.filter(status=self.status)
        # A list attribute rather than a related manager: Django builds no queryset per row for it.
        assessors = Prefetch("assignments", queryset=Assignment.objects.select_related("assessor"), to_attr="assessor_assignments")
        return applications.select_related("facility").prefetch_related(assessors).order_by(
            "-started_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(status=self.status, statuses=Status.choices[1:], **kwargs)
        context["today"] = timezone.localdate()
        services.prefetch_deadlines(context["object_list"])
        context["rows"] = [(application, services.deadline_of(application)) for application in context["object_list"]]
        return context


class OfficeApplicationMixin(OfficeMixin):
    def setup_scope(self, request, *args, **kwargs):
        self.application = get_object_or_404(
            Application.objects.visible_to(request.user).select_related("facility", "pathway"), pk=kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, facility=self.application.facility, **kwargs)

    def done(self, message):
        messages.success(self.request, message)
        return redirect(self.application.get_absolute_url())


class AssignView(OfficeApplicationMixin, FormView):
    template_name = "assessment/assign.html"
    form_class = AssignAssessorsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "facility": self.application.facility}

    def form_valid(self, form):
        try:
            services.assign_assessors(
                self.application, [form.cleaned_data["first"], form.cleaned_data["second"]], self.request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        return self.done(_("Two assessors are assigned and have been e-mailed."))


class ScheduleAuditView(OfficeApplicationMixin, FormView):
    template_name = "assessment/audit_form.html"

    def setup_scope(self, request, *args, **kwargs):
        if kwargs["kind"] not in Audit.Kind.values:
            raise Http404
        super().setup_scope(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return AuditForm(kind=self.kwargs["kind"], **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=Audit.Kind(self.kwargs["kind"]), **kwargs)

    def form_valid(self, form):
        try:
            services.schedule_audit(self.application, self.request.user, self.kwargs["kind"], **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        return self.done(_("The audit is scheduled."))


class AuditOutcomeView(OfficeMixin, FormView):
    template_name = "assessment/audit_outcome.html"
    form_class = AuditOutcomeForm

    def setup_scope(self, request, *args, **kwargs):
        self.audit = get_object_or_404(Audit.objects.visible_to(request.user).select_related("application__facility"),
                                       pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(audit=self.audit, application=self.audit.application, **kwargs)

    def form_valid(self, form):
        try:
            services.record_audit_outcome(self.audit, self.request.user, form.cleaned_data["outcome"])
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The audit's outcome is recorded."))
        return redirect(self.audit.application.get_absolute_url())


class DecideView(ChairpersonMixin, OfficeApplicationMixin, FormView):
    """The chairperson reads both recommendations and signs off the decision."""

    template_name = "assessment/decide.html"
    form_class = DecisionForm

    def get_context_data(self, **kwargs):
        cycle = services.recommendation_cycle(self.application)
        step_states = steps.step_states(self.application)
        return super().get_context_data(
            recommendations=Recommendation.objects.filter(application=self.application, cycle=cycle).select_related("assessor"),
            step_states=step_states,
            missing_steps=[state.step for state in step_states if state.missing],
            dosimetry=[(record, steps.point_results(record)) for record in self.application.dosimetryaudits.all()],
            can_decide=self.application.status == Status.AWAITING_DECISION,
            has_case_review=self.application.question_set.programme.has_case_review,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.sign_off_decision(self.application, self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        return self.done(_("The decision is signed off and the facility has been e-mailed."))


class RenderCertificateView(OfficeApplicationMixin, View):
    """The office re-runs the rendering of the certificate of the application's award when its PDF is missing."""

    def post(self, request, *args, **kwargs):
        award = get_object_or_404(
            Award.objects.visible_to(request.user).select_related("facility", "decision__application__question_set__programme"),
            decision__application=self.application,
        )
        what = _("the certificate of %(facility)s") % {"facility": award.facility.name}
        return render_again(request, services.render_certificate, award, what)
