"""The completeness rules of an application, computed from rows already loaded (no queries of their own)."""
from dataclasses import dataclass, field


def answer_is_complete(question, answer, review):
    """A question is complete with its Yes/No and every text box it has filled.

    A case review question (3c, 7b, 8d) also needs the internal case review complete (``review`` is a
    casereview.services.ReviewState), and its explanation only when records lacked items of its criterion:
    the box asks why they were missing and what will change.
    """
    if answer is None or answer.choice not in ("yes", "no"):
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


@dataclass
class Progress:
    core_total: int = 0
    core_complete: int = 0
    extended_total: int = 0
    extended_complete: int = 0
    incomplete_core: list = field(default_factory=list)
    incomplete_extended: list = field(default_factory=list)
    extended_required: bool = False  # a Centre of Excellence application needs the extended questions too
    # Why the internal case review breaks the manual's eligibility rules (window, tumour types): no submission then.
    review_problems: tuple = ()

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
        return self.core_done and self.extended_ready and not self.review_problems

def compute_progress(questions, answers_by_question, review, extended_required=False):
    """Core progress counts core questions only; extended answers never make up for a missing core one."""
    progress = Progress(extended_required=extended_required)
    if any(question.is_case_review for question in questions):  # only programmes with a case review have its rules
        progress.review_problems = review.eligibility_problems
    for question in questions:
        complete = answer_is_complete(question, answers_by_question.get(question.pk), review)
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
