"""Assessors' pages: their queue, the review of one application, recommendations and plan reviews."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from accreditation.fragments import question_fragments
from accreditation.pagination import paginate
from applications import services as applications
from applications.models import Answer, Question
from applications.permissions import assigned_applications
from applications.workflow import Status
from casereview import office_views as casereview_views
from facilities.access import AssessorMixin

from . import services, steps
from .forms import AssessorProfileForm, DeclineForm, PlanReviewForm, RecommendationForm, UnavailabilityFormSet, VerdictForm
from .models import Reply


class AssessorQueueView(AssessorMixin, TemplateView):
    """An assessor's assignments, newest first, 50 a page, in a fixed number of queries."""

    template_name = "assessment/queue.html"

    def get_context_data(self, **kwargs):
        page = paginate(self.request, services.assessor_queue(self.request.user))
        rows = [(assignment, services.assessor_turn(assignment.application)) for assignment in page]
        return super().get_context_data(rows=rows, page=page, **kwargs)


class AssessorProfileView(AssessorMixin, TemplateView):
    """An assessor keeps their own matching profile: programmes, expertise, languages, conflicts, capacity, absences."""

    template_name = "assessment/profile.html"

    def forms(self, data=None):
        profile = services.profile_of(self.request.user)
        periods = [{"starts_on": u.starts_on, "ends_on": u.ends_on, "note": u.note}
                   for u in (profile.unavailability.all() if profile.pk else [])]
        return (AssessorProfileForm(data, instance=profile),
                # Posted rows replace the periods: compared with no initial, every filled row counts as entered.
                UnavailabilityFormSet(data, initial=None if data else periods, prefix="periods"))

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"], kwargs["periods"] = self.forms()
        profile = kwargs["form"].instance
        recorded = list(profile.conflict_facilities.all()) if profile.pk else []
        return super().get_context_data(recorded_facilities=recorded, **kwargs)

    def post(self, request):
        form, periods = self.forms(request.POST)
        if form.is_valid() and periods.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.update_assessor_profile(request.user, request.user, periods=periods.periods(), **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("assessment:profile")
        return self.render_to_response(self.get_context_data(form=form, periods=periods))


class AssignedApplicationMixin(AssessorMixin):
    """One application this assessor is assigned to (guardian per-object permission); 404 otherwise.

    Not ``visible_to``: an assessor who is also staff of a facility would reach their own facility's
    application through it.
    """

    def setup_scope(self, request, *args, **kwargs):
        self.application = get_object_or_404(
            assigned_applications(request.user).select_related("facility", "question_set__programme", "pathway"),
            pk=kwargs["pk"]
        )
        super().setup_scope(request, *args, **kwargs)

    def review_url(self):
        return reverse("assessment:review", args=[self.application.pk])


def question_heads(question_set_id, questions):
    """{question pk: its head's HTML (number, kind, standard, criterion, text)}, cached (accreditation.fragments)."""
    return question_fragments(
        "assessment/_question_head.html", question_set_id, questions,
        lambda q: (q.pk, q.number, q.criterion, q.is_core, q.standard.number, q.text),
        lambda template, q: mark_safe(template.render({"q": q})),
    )


class ReviewView(AssignedApplicationMixin, TemplateView):
    """One application for its assessor, in a fixed number of queries whatever its answers, rounds and verdicts.

    The assignment is checked once (``AssignedApplicationMixin``); the services are told so instead of asking again.
    """

    template_name = "assessment/review.html"

    def get_context_data(self, **kwargs):
        user, application = self.request.user, self.application
        # The audits card, the plan card, the checklist of steps and the timeline read these.
        prefetch_related_objects([application], "audits", "action_plans__actions", "pathway__steps")
        questions = applications.questions_of(application)
        answers = applications.answers_of(application)
        open_round = services.open_round_for(application, user)
        verdicts = services.label_verdicts(list(
            services.visible_verdicts(user, application, assigned=True).prefetch_related(
                Prefetch("replies", queryset=Reply.objects.select_related("author")))
        ))
        verdicts_by_question, mine = {}, {}  # mine: this assessor's verdicts of the open round
        for verdict in verdicts:
            verdicts_by_question.setdefault(verdict.question_id, []).append(verdict)
            if open_round and verdict.round_id == open_round.pk and verdict.assessor_id == user.pk:
                mine[verdict.question_id] = verdict
        heads = question_heads(application.question_set_id, questions)
        choice_labels = {value: str(label) for value, label in Answer.Choice.choices}
        rows = []
        for question in questions:
            answer = answers.get(question.pk)
            rows.append({
                "question": question, "number": str(question.number), "head": heads[question.pk], "answer": answer,
                "verdicts": verdicts_by_question.get(question.pk, []), "mine": mine.get(question.pk),
                "choice": choice_labels.get(answer.choice) if answer else None,
                "verdict_url": reverse("assessment:verdict", args=[application.pk, question.pk])
                if open_round and services.takes_verdict(application, question, answer) else None,
            })
        return super().get_context_data(
            application=application, facility=application.facility, rows=rows, open_round=open_round,
            verdict_progress=services.verdict_progress(application, questions, answers, set(mine)) if open_round else None,
            verdict_choices=[(value, str(label)) for value, label in VerdictForm.base_fields["outcome"].choices],
            comment_field={"label": str(VerdictForm.base_fields["comment"].label),
                           "help_text": str(VerdictForm.base_fields["comment"].help_text)},
            has_case_review=application.question_set.programme.has_case_review,
            recommendation_form=RecommendationForm() if application.status == Status.RECOMMENDATION else None,
            plan=max(application.action_plans.all(), key=lambda plan: plan.submitted_at, default=None),
            plan_review_form=PlanReviewForm() if application.status == Status.PLAN_REVIEW else None,
            timeline=services.timeline(application, user, assigned=True, verdicts=verdicts),
            step_states=steps.step_states(application),
            **kwargs,
        )


class VerdictView(AssignedApplicationMixin, View):
    """Save one verdict: htmx swaps its status; without JavaScript the review page reloads."""

    def post(self, request, pk, question_pk):
        question = get_object_or_404(Question.objects.select_related("standard"), pk=question_pk,
                                     standard__question_set_id=self.application.question_set_id)
        form = VerdictForm(request.POST, auto_id=f"id_v{question.number}_%s")
        error = None
        if form.is_valid():
            try:
                services.record_verdict(self.application, request.user, question, **form.cleaned_data)
            except ValidationError as exc:
                error = " ".join(exc.messages)
        else:
            error = " ".join(e for errors in form.errors.values() for e in errors)
        if request.htmx:
            round_ = services.open_round_for(self.application, request.user)
            progress = services.verdict_progress_of(self.application, round_, request.user) if round_ else None
            return render(request, "assessment/_verdict_status.html", {"error": error, "verdict_progress": progress},
                          status=422 if error else 200)
        if error:
            messages.error(request, _("Question %(number)d: %(error)s") % {"number": question.number, "error": error})
        else:
            messages.success(request, _("Verdict on question %(number)d saved.") % {"number": question.number})
        return redirect(f"{self.review_url()}#q-{question.number}")


class AssessorActionView(AssignedApplicationMixin, View):
    """A step posted from the review page: the service decides, a message reports, back to the review."""

    form_class = None
    success_message = invalid_message = ""

    def act(self, **data):
        raise NotImplementedError

    def post(self, request, pk):
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, self.invalid_message)
            return redirect(self.review_url())
        try:
            self.act(**(form.cleaned_data if form else {}))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, self.success_message)
        return redirect(self.review_url())


class CompleteRoundView(AssessorActionView):
    success_message = _l("Your part of this round is complete.")

    def act(self):
        services.complete_round(self.application, self.request.user)


class RecommendView(AssessorActionView):
    form_class = RecommendationForm
    success_message = _l("Your recommendation is recorded.")
    invalid_message = _l("Choose a recommendation and justify it.")

    def act(self, **data):
        services.recommend(self.application, self.request.user, **data)


class PlanReviewView(AssessorActionView):
    form_class = PlanReviewForm
    success_message = _l("Your review of the plan is recorded.")
    invalid_message = _l("Choose whether you accept the plan.")

    def act(self, **data):
        services.review_action_plan(self.application, self.request.user, **data)


# The case review pages of the assessor area, scoped like every other page of it.
class CaseReviewView(AssignedApplicationMixin, casereview_views.AssessorCaseReviewView):
    pass


class RepeatDrawView(AssignedApplicationMixin, casereview_views.AssessorRepeatDrawView):
    pass


class DeclineView(AssignedApplicationMixin, TemplateView):
    """An assessor gives an assignment back, with a reason, before giving any verdict."""

    template_name = "assessment/decline.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, facility=self.application.facility,
                                        form=kwargs.pop("form", None) or DeclineForm(), **kwargs)

    def post(self, request, pk):
        form = DeclineForm(request.POST)
        if form.is_valid():
            try:
                services.decline_assignment(self.application, request.user, form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("You have declined the assignment; the office has been told."))
                return redirect("assessment:queue")
        return self.render_to_response(self.get_context_data(form=form))
