"""The office reads any application, with every answer's history and its assessment so far."""
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from applications import services
from applications.models import Answer, AnswerRevision, Application
from applications.progress import answer_is_complete, compute_progress
from applications.views import QuestionRow, group_by_standard, question_skeletons
from applications.workflow import Status
from assessment import services as assessment
from assessment import steps
from assessment.models import Audit
from facilities.access import OfficeMixin


class OfficeApplicationView(OfficeMixin, TemplateView):
    template_name = "applications/office_application.html"

    def setup_scope(self, request, *args, **kwargs):
        self.application = get_object_or_404(
            Application.objects.visible_to(request.user).select_related(
                "facility", "question_set__programme", "submitted_by", "pathway"),
            pk=kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        questions = services.questions_of(self.application)
        answers = {
            a.question_id: a
            for a in Answer.objects.filter(application=self.application).select_related("updated_by").prefetch_related(
                Prefetch("revisions", queryset=AnswerRevision.objects.select_related("changed_by"))
            )
        }
        review = services.case_review_state(self.application)
        skeletons = question_skeletons(questions, self.application.question_set.programme.code)
        rows = [
            QuestionRow(q, answers.get(q.pk), None, answer_is_complete(q, answers.get(q.pk), review), skeleton=skeletons[q.pk])
            for q in questions
        ]
        return super().get_context_data(
            timeline=assessment.timeline(self.application, self.request.user),
            pending_audits=self.application.audits.filter(outcome_recorded_at__isnull=True),
            can_assign=self.application.status == Status.SUBMITTED or (
                self.application.status == Status.UNDER_REVIEW and self.application.assignments.count() < 2),
            needs_remote_audit=self.application.status == Status.REMOTE_AUDIT_REQUIRED,
            needs_onsite_audit=self.application.decisions.filter(outcome="denied").exists(),
            step_states=steps.step_states(self.application),
            steps_to_schedule=steps.steps_to_schedule(self.application),
            can_decide=self.request.user.is_chairperson and self.application.status == Status.AWAITING_DECISION,
            assignments=self.application.assignments.select_related("assessor"),
            application=self.application,
            facility=self.application.facility,
            standards=group_by_standard(rows),
            progress=compute_progress(questions, answers, review, self.application.seeks_excellence),
            review=review,
            office=True,
            **kwargs,
        )
