"""The office's side of assessment: assignment, audits, and the chairperson's decision."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView, View

from accreditation.exports import ListExport, choice
from accreditation.pagination import PaginatedListMixin
from accreditation.pdf import render_again
from applications.models import Application
from applications.workflow import Status
from facilities.access import ChairpersonMixin, OfficeMixin

from . import matching, services, steps
from .awards import adverse_decision_ready, base_tier, denial_awaiting_on_site_audit, sought_tier
from .forms import AssignAssessorsForm, AuditForm, AuditOutcomeForm, DecisionForm, ReplaceAssessorForm
from .models import Assignment, Audit, Award, Recommendation
from .turnaround import attach_turnaround, with_turnaround


def applications_matching(user, params):
    """The assessment list's rows for its query string: every application past its draft, or one ``status``."""
    applications = Application.objects.visible_to(user).exclude(status=Status.DRAFT)
    status = params.get("status", "")
    if status in Status.values:
        applications = applications.filter(status=status)
    return applications.order_by("-started_at", "-pk")


def with_assessors(applications):
    # A list attribute rather than a related manager: Django builds no queryset per row for it.
    assessors = Prefetch("assignments", queryset=Assignment.objects.select_related("assessor"), to_attr="assessor_assignments")
    return applications.select_related("facility").prefetch_related(assessors)


def days_since(moment):
    return (timezone.localdate() - timezone.localdate(moment)).days if moment else None


APPLICATIONS_EXPORT = ListExport(
    "applications", gettext_lazy("Applications"),
    columns=(
        (gettext_lazy("Facility"), "facility.name"), (gettext_lazy("Programme"), "question_set.programme.name"),
        (gettext_lazy("Status"), choice("status")),
        (gettext_lazy("Submitted"), lambda application: application.submitted_at and timezone.localdate(application.submitted_at)),
        # The step began with the latest move of the workflow (submission itself for an application not moved since).
        (gettext_lazy("Days at current step"), lambda application: days_since(application.step_since or application.submitted_at)),
        (gettext_lazy("Days since submission"), lambda application: days_since(application.submitted_at)),
        (gettext_lazy("Assessors"), lambda application: ", ".join(str(a.assessor) for a in application.assessor_assignments)),
    ),
    rows=applications_matching,
    prepare=lambda applications: with_assessors(applications).select_related("question_set__programme").annotate(
        step_since=Max("workflow_events__created_at")
    ),
)


class AssessmentListView(OfficeMixin, PaginatedListMixin, ListView):
    """Every application past its draft, newest first, 50 a page; the assessors of a page come in one query, and
    the rounds and decisions of its rows that owe something in one each; their ages come with the rows, the
    targets in one query."""

    template_name = "assessment/office_list.html"

    def get_queryset(self):
        self.status = self.request.GET.get("status", "")
        return with_turnaround(with_assessors(applications_matching(self.request.user, self.request.GET)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(status=self.status, statuses=Status.choices[1:], **kwargs)
        context["today"] = timezone.localdate()
        services.prefetch_deadlines(context["object_list"])
        attach_turnaround(context["object_list"], context["today"])
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
    """The application's assessors: the proposed pair with its reasons, every assessor with why they are (not)
    proposed, and the office's own choice. Once an assessor has declined, the next best partner for the one who
    stays is proposed instead."""

    template_name = "assessment/assign.html"

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.assignments = list(self.application.assignments.select_related("assessor"))
        self.replacing = self.application.status in services.ASSESSMENT_UNDER_WAY and len(self.assignments) < 2

    def get_form(self, form_class=None):
        kwargs = {**self.get_form_kwargs(), "facility": self.application.facility}
        if self.replacing:
            return ReplaceAssessorForm(staying=[a.assessor_id for a in self.assignments], **kwargs)
        return AssignAssessorsForm(**kwargs)

    def get_context_data(self, **kwargs):
        pool = matching.load_pool()
        case = matching.load_cases([self.application])[0]
        loads = {a.id: a.load for a in pool}
        staying = [a for a in pool if a.id in {assignment.assessor_id for assignment in self.assignments}]
        keep = staying[0] if self.replacing and staying else None
        can_assign = self.application.status == Status.SUBMITTED or self.replacing
        proposal = matching.best_pair(case, pool, loads, keep=keep) if can_assign else None
        # A replacement fills one slot at a time (both declined: the first of the best pair, then its partner).
        proposed = [a for a in proposal.assessors if a is not keep][:1 if self.replacing else 2] if proposal else []
        candidates = [{
            "assessor": a, "conflicts": matching.conflicts(a, case), "unsuitable": matching.unsuitability(a, case, a.load),
            "speaks": matching.speaks_with(a, case), "proposed": a in proposed, "assigned": a in staying,
        } for a in pool]
        return super().get_context_data(
            case=case, proposal=proposal, proposed=proposed, explained=proposal.explained() if proposal else [],
            why_none=None if proposal or not can_assign else matching.why_no_pair(case, pool, loads, keep=keep),
            candidates=candidates, can_assign=can_assign, replacing=self.replacing, assignments=self.assignments,
            language_names=matching.language_names(case.languages), **kwargs,
        )

    def form_valid(self, form):
        try:
            if self.replacing:
                services.replace_assessor(self.application, form.cleaned_data["assessor"], self.request.user)
            else:
                services.assign_assessors(
                    self.application, [form.cleaned_data["first"], form.cleaned_data["second"]], self.request.user
                )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        if self.replacing:
            return self.done(_("The replacement assessor is assigned and has been e-mailed."))
        return self.done(_("Two assessors are assigned and have been e-mailed."))


class AssignAllView(OfficeMixin, TemplateView):
    """"Assign all waiting": one optimal plan for every submitted application, reviewed before anything is saved,
    then confirmed in one POST (assessment.matching.propose_all, services.confirm_proposals)."""

    template_name = "assessment/assign_all.html"

    def get_context_data(self, **kwargs):
        pool = matching.load_pool()
        plan = matching.propose_all(matching.load_cases(matching.waiting_applications()), pool)
        rows = [{"proposal": p, "explained": p.explained(),
                 "value": f"{p.case.id}:{p.assessors[0].id}:{p.assessors[1].id}"} for p in plan.proposals]
        loads = [(a, plan.loads[a.id]) for a in pool]
        return super().get_context_data(plan=plan, rows=rows, loads=loads, **kwargs)

    def post(self, request):
        try:
            count = services.confirm_proposals(services.read_proposals(request.POST.getlist("proposal")), request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=exc.messages))
        messages.success(request, _("%(count)d applications have their assessors, who have been e-mailed.") % {"count": count})
        return redirect("assessment:office_list")


class AssessorsView(OfficeMixin, TemplateView):
    """Every assessor's profile and workload, for the office to read (it edits them in the admin)."""

    template_name = "assessment/assessors.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(pool=matching.load_pool(), **kwargs)


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

    @cached_property
    def conditions(self):
        """What the page explains and the form asks for; the service checks each again when the form is posted."""
        application = self.application
        sought, base = sought_tier(application), base_tier(application.question_set.programme)
        return {
            "adverse_readiness": adverse_decision_ready(application),
            "denial_awaiting_on_site_audit": denial_awaiting_on_site_audit(application),
            "tiers": (sought, base) if sought and base and sought != base else None,
        }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tiers": self.conditions["tiers"],
                "early_reason_needed": not self.conditions["adverse_readiness"]}

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
            **self.conditions,
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
            Award.objects.visible_to(request.user).select_related("facility", "tier", "decision__application__question_set__programme"),
            decision__application=self.application,
        )
        what = _("the certificate of %(facility)s") % {"facility": award.facility.name}
        return render_again(request, services.render_certificate, award, what)


def awards_matching(user, params):
    """The award list's rows for its query string, soonest expiry first: ``state`` "current" or "expired"."""
    awards = Award.objects.visible_to(user).order_by("expires_on", "pk")
    state, today = params.get("state", ""), timezone.localdate()
    if state == "current":
        awards = awards.filter(expires_on__gte=today)
    elif state == "expired":
        awards = awards.filter(expires_on__lt=today)
    return awards


AWARDS_EXPORT = ListExport(
    "awards", gettext_lazy("Awards"),
    columns=(
        (gettext_lazy("Facility"), "facility.name"), (gettext_lazy("Programme"), "decision.application.question_set.programme.name"),
        (gettext_lazy("Granted"), "granted_on"), (gettext_lazy("Expires"), "expires_on"),
    ),
    rows=awards_matching,
    prepare=lambda awards: awards.select_related("facility", "decision__application__question_set__programme"),
)


class AwardListView(OfficeMixin, PaginatedListMixin, ListView):
    """Every accreditation granted, soonest expiry first, 50 a page; current or expired ones."""

    template_name = "assessment/office_awards.html"
    context_object_name = "awards"

    def get_queryset(self):
        self.state = self.request.GET.get("state", "")
        return AWARDS_EXPORT.queryset(self.request.user, self.request.GET)

    def get_context_data(self, **kwargs):
        states = [("current", _("Current")), ("expired", _("Expired"))]
        return super().get_context_data(state=self.state, states=states, today=timezone.localdate(), **kwargs)


def assessors_matching(user, params):
    """The assessor list's rows for its query string (``q``: name or e-mail), with their workload: the
    applications assigned to them whose assessment is under way, and all they were ever assigned."""
    assessors = get_user_model().objects.filter(is_assessor=True, is_active=True)
    query = params.get("q", "").strip()
    if query:
        assessors = assessors.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
        )
    return assessors.annotate(
        open_assignments=Count("assignments", filter=Q(assignments__application__status__in=services.ASSESSMENT_UNDER_WAY)),
        all_assignments=Count("assignments"),
    ).order_by("last_name", "first_name", "pk")


ASSESSORS_EXPORT = ListExport(
    "assessors", gettext_lazy("Assessors"),
    columns=(
        (gettext_lazy("Assessor"), "get_full_name"), (gettext_lazy("E-mail"), "email"),
        (gettext_lazy("Open assignments"), "open_assignments"), (gettext_lazy("All assignments"), "all_assignments"),
    ),
    rows=assessors_matching,
)


class AssessorListView(OfficeMixin, PaginatedListMixin, ListView):
    """The assessors and their workload, by name, 50 a page."""

    template_name = "assessment/office_assessors.html"
    context_object_name = "assessors"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        return assessors_matching(self.request.user, self.request.GET)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)
