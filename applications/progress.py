"""The completeness rules of an application, computed from rows already loaded (no queries of their own)."""
from dataclasses import dataclass, field


def answer_is_complete(question, answer, review):
    """A question is complete with its Yes/No and every text box it has filled.

    A case review question (3c, 7b, 8d) also needs the internal case review complete (``review`` is a
    casereview.services.ReviewState), and its explanation only when records lacked items of its criterion:
    the box asks why they were missing and what will change.
    """
    if answer is None or answer.choice not in ("yes", "no") or answer.needs_review:
        return False
    if not answer.evidence.strip():
        return False
    if question.is_case_review and not review.cases_complete:
        return False
    needs_explanation = question.asks_explanation and (
        not question.is_case_review or question.criterion in review.missing_criteria
    )
    if needs_explanation and not answer.explanation.strip():
        return False
    return True


def answer_has_content(answer):
    return answer is not None and bool(answer.choice or answer.evidence.strip() or answer.explanation.strip())


@dataclass
class StandardProgress:
    """One standard's place in the application, for the standards navigator."""

    standard: object
    questions: list = field(default_factory=list)
    required: int = 0  # core questions, and extended ones where the application needs them
    required_complete: int = 0
    complete: int = 0  # of all its questions: a standard of extended questions only is done when they are
    started: bool = False  # any of its answers holds something

    @property
    def state(self):
        done = self.required_complete == self.required if self.required else self.complete == len(self.questions)
        if done:
            return "complete"
        return "in_progress" if self.started else "not_started"


@dataclass
class CaseReviewProgress:
    """The internal case review's progress shown beside the application's (casereview/_progress.html)."""

    state: object  # casereview.services.ReviewState

    @property
    def percent(self):
        return round(100 * self.state.cases_done / self.state.size) if self.state.size else 0


@dataclass
class Progress:
    core_total: int = 0
    core_complete: int = 0
    extended_total: int = 0
    extended_complete: int = 0
    incomplete_core: list = field(default_factory=list)
    incomplete_extended: list = field(default_factory=list)
    to_review: list = field(default_factory=list)  # numbers of answers carried over and not yet saved again
    extended_required: bool = False  # a Centre of Excellence application needs the extended questions too
    # Why the internal case review breaks the manual's eligibility rules (window, tumour types): no submission then.
    review_problems: tuple = ()
    standards: list = field(default_factory=list)  # StandardProgress, in order
    case_review: "CaseReviewProgress | None" = None  # when the programme has a case review

    @property
    def core_percent(self):
        return round(100 * self.core_complete / self.core_total) if self.core_total else 0

    @property
    def core_done(self):
        return self.core_total > 0 and self.core_complete == self.core_total

    @property
    def extended_done(self):
        return self.extended_complete == self.extended_total

    @property
    def extended_ready(self):
        return self.extended_done or not self.extended_required

    @property
    def ready(self):
        """Ready to submit: the core complete, the extended questions where they are required, an eligible case review."""
        return self.core_done and self.extended_ready and not self.review_problems and not self.to_review

    def first_to_work_on(self, among=None):
        """The first standard not complete (of ``among``, numbers, when given), else the first of them."""
        candidates = [s for s in self.standards if among is None or s.standard.number in among] or self.standards
        return next((s for s in candidates if s.state != "complete"), candidates[0] if candidates else None)

def compute_progress(questions, answers_by_question, review, extended_required=False):
    """Core progress counts core questions only; extended answers never make up for a missing core one."""
    progress = Progress(extended_required=extended_required)
    if any(question.is_case_review for question in questions):  # only programmes with a case review have its rules
        progress.review_problems = review.eligibility_problems
        progress.case_review = CaseReviewProgress(review)
    by_standard = {}
    for question in questions:
        answer = answers_by_question.get(question.pk)
        complete = answer_is_complete(question, answer, review)
        if answer is not None and answer.needs_review:
            progress.to_review.append(question.number)
        standard = by_standard.get(question.standard_id)
        if standard is None:
            standard = by_standard[question.standard_id] = StandardProgress(question.standard)
            progress.standards.append(standard)
        standard.questions.append(question)
        standard.complete += complete
        if question.is_core or extended_required:
            standard.required += 1
            standard.required_complete += complete
        standard.started = standard.started or answer_has_content(answer)
        if question.is_core:
            progress.core_total += 1
            progress.core_complete += complete
            if not complete:
                progress.incomplete_core.append(question)
        else:
            progress.extended_total += 1
            progress.extended_complete += complete
            if not complete:
                progress.incomplete_extended.append(question)
    return progress
