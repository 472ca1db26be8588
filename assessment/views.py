"""Assessors' pages: their queue, the review of one application, recommendations and plan reviews."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from accreditation.pagination import paginate
from applications import services as applications
from applications.models import Question
from casereview import office_views as casereview_views
from applications.progress import compute_progress
from facilities.access import AssessorMixin

from . import services
from .forms import PlanReviewForm, RecommendationForm, VerdictForm
from .permissions import assigned_applications
from .workflow import Status


class AssessorQueueView(AssessorMixin, TemplateView):
    """An assessor's assignments, newest first, 50 a page, in a fixed number of queries."""

    template_name = "assessment/queue.html"

    def get_context_data(self, **kwargs):
        page = paginate(self.request, services.assessor_queue(self.request.user))
        rows = [(assignment, services.assessor_turn(assignment.application)) for assignment in page]
        return super().get_context_data(rows=rows, page=page, **kwargs)


class AssignedApplicationMixin(AssessorMixin):
    """One application this assessor is assigned to (guardian per-object permission); 404 otherwise.

    Not ``visible_to``: an assessor who is also staff of a facility would reach their own facility's
    application through it.
    """

    def setup_scope(self, request, *args, **kwargs):
        self.application = get_object_or_404(
            assigned_applications(request.user).select_related("facility", "question_set__programme"), pk=kwargs["pk"]
        )
        super().setup_scope(request, *args, **kwargs)

    def review_url(self):
        return reverse("assessment:review", args=[self.application.pk])


class ReviewView(AssignedApplicationMixin, TemplateView):
    template_name = "assessment/review.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        questions = applications.questions_of(self.application)
        answers = applications.answers_of(self.application)
        open_round = services.open_round_for(self.application, user)
        rounds = list(self.application.rounds.prefetch_related("completions"))
        verdicts_by_question = {}
        for round_ in rounds:
            for verdict in services.verdicts_visible_to(user, round_).prefetch_related("replies__author"):
                verdicts_by_question.setdefault(verdict.question_id, []).append(verdict)
        rows = []
        for question in questions:
            mine = next((v for v in verdicts_by_question.get(question.pk, [])
                         if open_round and v.round_id == open_round.pk and v.assessor_id == user.pk), None)
            form = None
            if open_round:
                form = VerdictForm(initial={"outcome": mine.outcome, "comment": mine.comment} if mine else None,
                                   auto_id=f"id_v{question.number}_%s")
            rows.append({"question": question, "answer": answers.get(question.pk), "form": form, "mine": mine,
                         "verdicts": verdicts_by_question.get(question.pk, [])})
        return super().get_context_data(
            application=self.application, facility=self.application.facility, rows=rows, rounds=rounds,
            open_round=open_round, review=(review := applications.case_review_state(self.application)),
            progress=compute_progress(questions, answers, review, self.application.seeks_excellence),
            recommendation_form=RecommendationForm() if self.application.status == Status.RECOMMENDATION else None,
            plan=self.application.action_plans.prefetch_related("actions").order_by("-submitted_at").first(),
            plan_review_form=PlanReviewForm() if self.application.status == Status.PLAN_REVIEW else None,
            timeline=services.timeline(self.application, user),
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
            return render(request, "assessment/_verdict_status.html", {"error": error}, status=422 if error else 200)
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
