"""Facility staff's application: the questions, autosave, progress, summary and submission."""
from dataclasses import dataclass
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accreditation.autosave import VersionedSaveMixin
from accreditation.fragments import question_fragments
from accreditation.templatetags.reference_text import fallback_lang
from facilities import permissions
from facilities.access import AuthorisedRepresentativeMixin, EnrolmentStaffMixin, enrolment_reverse

from . import extensions, services
from .forms import AnswerForm, ReaccreditationForm
from .models import Answer, AssessmentPath, Question
from .progress import answer_is_complete, compute_progress


@dataclass
class QuestionRow:
    question: Question
    answer: Answer | None
    form: AnswerForm | None
    complete: bool
    conflict: Answer | None = None
    skeleton: dict | None = None  # see question_skeletons


def build_rows(application, questions, answers, review, editable_ids):
    skeletons = question_skeletons(questions, application.question_set.programme.code)
    return [
        QuestionRow(
            question=q,
            answer=answers.get(q.pk),
            form=AnswerForm.for_answer(q, answers.get(q.pk)) if q.pk in editable_ids else None,
            complete=answer_is_complete(q, answers.get(q.pk), review),
            skeleton=skeletons[q.pk],
        )
        for q in questions
    ]


SKELETON_PARTS = ("head", "legend", "evidence_label", "explanation_label", "save_label", "action", "anchor")
SKELETON_BREAK = "<!--part-->"


def question_skeletons(questions, programme_code):
    """The parts of each question's card that no answer changes, rendered once and cached (accreditation.fragments).

    A question set belongs to one programme, so its answers' address names that programme's enrolment."""
    def parts(template, q):
        html = template.render({"q": q, "form": AnswerForm(question=q), "programme_code": programme_code})
        return dict(zip(SKELETON_PARTS, (mark_safe(part.strip()) for part in html.split(SKELETON_BREAK))))

    return question_fragments(
        "applications/_question_skeleton.html", questions[0].standard.question_set_id if questions else None, questions,
        lambda q: (q.pk, q.number, q.criterion, q.is_core, q.is_case_review, q.text, q.evidence_help, q.explanation_prompt),
        parts,
    )


def group_by_standard(rows):
    """The office reads the whole application at once: [(standard, rows), ...]."""
    return [(standard, list(items)) for standard, items in groupby(rows, key=lambda row: row.question.standard)]


def standard_links(progress, current, enrolment_prefix):
    """The standards navigator's entries, their numbers and links made once here rather than in its loop."""
    prefix = enrolment_reverse("applications:standard", enrolment_prefix, 0).removesuffix("0/")
    return [
        {"number": str(s.standard.number), "title": s.standard.title, "title_lang": fallback_lang(s.standard, "title"),
         "url": f"{prefix}{s.standard.number}/",
         "state": s.state, "current": s is current}
        for s in progress.standards
    ]


class ApplicationMixin(EnrolmentStaffMixin):
    """The application of one of the facility's enrolments; closed until the facility is an enrolled centre of its
    programme."""

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.is_open = services.application_is_open_for(self.enrolment)
        self.application = services.open_application(self.enrolment) if self.is_open else None

    def question_url(self, question):
        return f"{self.enrolment_url('applications:standard', question.standard.number)}#q-{question.number}"

    def questions_of_application(self):
        """Read once per request: the save and the page it answers with share them."""
        if not hasattr(self, "_questions"):
            self._questions = services.questions_of(self.application)
        return self._questions

    def unavailable_response(self, request):
        if not self.is_open:
            status = 200 if request.method == "GET" else 403
            return render(request, "applications/closed.html", {"facility": self.facility, "enrolment": self.enrolment},
                          status=status)
        return None

    def page_context(self):
        questions = self.questions_of_application()
        answers = services.answers_of(self.application)
        review = services.case_review_state(self.application)
        progress = compute_progress(questions, answers, review, self.application.seeks_excellence)
        return {
            "application": self.application,
            # Partial pages (a saved answer) are rendered with this context alone: their links need the enrolment.
            "enrolment": self.enrolment,
            "enrolment_prefix": self.enrolment_prefix,
            "questions": questions,
            "answers": answers,
            "review": review,
            "progress": progress,
            "can_submit": permissions.can_submit_application(self.request.user, self.facility),
            # Translated once here rather than for every question's Yes/No.
            "choice_labels": [(value, str(label)) for value, label in Answer.Choice.choices],
        }


class ApplicationView(ApplicationMixin, TemplateView):
    """One standard at a time; without a number, the first standard that still needs the facility's work."""

    template_name = "applications/application.html"

    def get_context_data(self, **kwargs):
        context = self.page_context()
        progress = context["progress"]
        editable_ids = services.editable_question_ids(self.application, context["questions"])
        current = self.current_standard(progress, context["questions"], editable_ids)
        position = progress.standards.index(current)
        rows = build_rows(self.application, current.questions, context["answers"], context["review"], editable_ids)
        if not self.application.is_editable:
            context["timeline"] = extensions.timeline(self.application, self.request.user)
        return super().get_context_data(
            current=current, rows=rows, standard_links=standard_links(progress, current, self.enrolment_prefix),
            previous=progress.standards[position - 1] if position else None,
            next=progress.standards[position + 1] if position + 1 < len(progress.standards) else None,
            **context, **kwargs,
        )

    def current_standard(self, progress, questions, editable_ids):
        if "number" in self.kwargs:
            for standard in progress.standards:
                if standard.standard.number == self.kwargs["number"]:
                    return standard
            raise Http404
        # While replying to the assessors, the standards holding the questions they reopened come first.
        among = None if self.application.is_editable else {q.standard.number for q in questions if q.pk in editable_ids}
        return progress.first_to_work_on(among)


class QuestionView(ApplicationMixin, View):
    """A question by its number (links from comments and the summary) leads to it on its standard's page."""

    def get(self, request, *args, **kwargs):
        question = get_object_or_404(
            Question.objects.select_related("standard"),
            number=kwargs["number"], standard__question_set_id=self.application.question_set_id,
        )
        return redirect(self.question_url(question))


class SummaryView(ApplicationMixin, TemplateView):
    template_name = "applications/summary.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.page_context(), **kwargs)


class AnswerView(VersionedSaveMixin, ApplicationMixin, View):
    """Save one answer: htmx swaps the question's status in place; without JavaScript the page reloads."""

    conflict_class = services.SaveConflict

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        if self.is_open:
            # One of the application's own questions, else 404 (another programme's, or none).
            self.question = next((q for q in self.questions_of_application() if q.pk == kwargs["question_pk"]), None)
            if self.question is None:
                raise Http404

    def get(self, request, *args, **kwargs):
        return redirect(self.anchor_url())

    def anchor_url(self):
        return self.question_url(self.question)

    def bind_form(self, data):
        return AnswerForm(data, question=self.question)

    def save(self, form):
        services.save_answer(
            self.application, self.question, self.request.user,
            choice=form.cleaned_data["choice"],
            evidence=form.cleaned_data["evidence"],
            explanation=form.cleaned_data.get("explanation", ""),
            base_version=form.cleaned_data["version"],
        )

    def holds(self, current, form):
        data = form.cleaned_data
        return (current.choice, current.evidence, current.explanation) == (
            data["choice"], data["evidence"], data.get("explanation", "")
        )

    def saved_response(self):
        if not self.request.htmx:
            messages.success(self.request, _("Question %(number)d saved.") % {"number": self.question.number})
            return redirect(self.anchor_url())
        context = self.page_context()
        answer = context["answers"][self.question.pk]
        row = QuestionRow(
            self.question, answer, None, answer_is_complete(self.question, answer, context["review"])
        )
        current = next(s for s in context["progress"].standards if s.standard.pk == self.question.standard_id)
        return render(
            self.request, "applications/_saved.html",
            {**context, "row": row, "standard_links": standard_links(context["progress"], current, self.enrolment_prefix), "facility": self.facility},
        )

    def refused_response(self, form, conflict):
        """Errors and conflicts show the whole question again, keeping what the user typed."""
        context = self.page_context()
        row = QuestionRow(
            self.question, context["answers"].get(self.question.pk), form,
            answer_is_complete(self.question, context["answers"].get(self.question.pk), context["review"]),
            conflict, question_skeletons([self.question], self.enrolment.programme.code)[self.question.pk],
        )
        return self.render_refusal(
            "applications/_question.html", "applications/question_page.html",
            {**context, "row": row, "facility": self.facility}, f"#q-{self.question.number}", conflict,
        )


class SubmitView(AuthorisedRepresentativeMixin, ApplicationMixin, TemplateView):
    """Only the authorised representative submits, after confirming that it cannot be changed afterwards."""

    template_name = "applications/submit_confirm.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.page_context(), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.submit_application(self.application, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.enrolment_url("applications:summary"))
        messages.success(request, _("Your application has been submitted. The office has been told."))
        return redirect("facilities:dashboard")


class ReaccreditationView(AuthorisedRepresentativeMixin, EnrolmentStaffMixin, FormView):
    """The authorised representative starts the re-accreditation, optionally applying for Centre of Excellence."""

    template_name = "applications/reaccreditation.html"
    form_class = ReaccreditationForm

    def get_form_kwargs(self):
        tier, refusal = extensions.excellence_offer(self.enrolment)
        return {**super().get_form_kwargs(), "excellence_tier": tier, "excellence_refusal": refusal}

    def get_context_data(self, **kwargs):
        pathway = self.enrolment.programme.current_pathway()
        return super().get_context_data(
            opens_on=services.reaccreditation_opens_on(self.enrolment),
            full_steps=pathway.steps_of_path(AssessmentPath.FULL),
            streamlined_steps=pathway.steps_of_path(AssessmentPath.STREAMLINED) if pathway.offers_streamlined_path() else [],
            **kwargs)

    def form_valid(self, form):
        try:
            services.start_reaccreditation(self.enrolment, self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your re-accreditation has started: the new application is open."))
        return redirect(self.enrolment_url("applications:application"))
