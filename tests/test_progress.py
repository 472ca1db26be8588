"""The completeness rules, on unsaved rows (no database needed beyond the shipped question bank)."""
import pytest

from applications.models import Answer, Question
from applications.progress import answer_is_complete, compute_progress
from casereview.services import ReviewState

pytestmark = pytest.mark.django_db
COMPLETE_REVIEW = ReviewState(cases_entered=30, cases_done=30)


@pytest.fixture
def io_questions():
    return list(Question.objects.filter(standard__question_set__programme__code="io").select_related("standard"))


def by_number(questions, number):
    return next(q for q in questions if q.number == number)


def test_the_io_programme_has_52_questions_28_core_and_case_review_questions_13_30_36(io_questions):
    assert len(io_questions) == 52
    assert sum(q.is_core for q in io_questions) == 28
    assert {(q.number, q.criterion) for q in io_questions if q.is_case_review} == {(13, "3(c)"), (30, "7(b)"), (36, "8(d)")}
    assert len({q.standard.number for q in io_questions}) == 13


def test_a_question_needs_its_choice_and_every_box_it_has(io_questions):
    plain = next(q for q in io_questions if q.is_core and not q.asks_explanation and not q.is_case_review)
    explained = next(q for q in io_questions if q.is_core and q.asks_explanation and not q.is_case_review)

    assert not answer_is_complete(plain, None, COMPLETE_REVIEW)
    assert not answer_is_complete(plain, Answer(choice="", evidence="Records"), COMPLETE_REVIEW)
    assert not answer_is_complete(plain, Answer(choice="yes", evidence="   \n"), COMPLETE_REVIEW)
    assert answer_is_complete(plain, Answer(choice="no", evidence="Records"), COMPLETE_REVIEW)
    assert not answer_is_complete(explained, Answer(choice="yes", evidence="Records", explanation=""), COMPLETE_REVIEW)
    assert answer_is_complete(explained, Answer(choice="yes", evidence="Records", explanation="Because"), COMPLETE_REVIEW)


def test_case_review_questions_also_need_all_30_cases_complete(io_questions):
    q13 = by_number(io_questions, 13)
    answer = Answer(choice="yes", evidence="Review of 30 records", explanation="")
    assert answer_is_complete(q13, answer, COMPLETE_REVIEW)
    assert not answer_is_complete(q13, answer, ReviewState(cases_entered=30, cases_done=29))
    assert not answer_is_complete(q13, answer, ReviewState(cases_entered=0, cases_done=0))


def test_a_case_review_question_needs_its_explanation_exactly_when_records_lack_items_of_its_criterion(io_questions):
    q13, q30, q36 = (by_number(io_questions, n) for n in (13, 30, 36))
    unexplained = Answer(choice="yes", evidence="Review of 30 records", explanation="  ")
    explained = Answer(choice="yes", evidence="Review of 30 records", explanation="Consent forms were filed elsewhere; now scanned.")
    consent_missing = ReviewState(cases_entered=30, cases_done=30, missing_criteria=frozenset({"7(b)"}))
    assert not answer_is_complete(q30, unexplained, consent_missing)
    assert answer_is_complete(q30, explained, consent_missing)
    # The other criteria's records are whole: their questions need no explanation.
    assert answer_is_complete(q13, unexplained, consent_missing)
    assert answer_is_complete(q36, unexplained, consent_missing)


def test_extended_answers_never_count_toward_the_core(io_questions):
    extended = [q for q in io_questions if not q.is_core]
    answers = {q.pk: Answer(choice="yes", evidence="x", explanation="x") for q in extended}
    progress = compute_progress(io_questions, answers, COMPLETE_REVIEW)
    assert progress.core_complete == 0 and progress.core_percent == 0 and not progress.core_done
    assert progress.extended_complete == 24 and progress.extended_total == 24
    assert len(progress.incomplete_core) == 28


def test_all_core_complete_is_100_percent(io_questions):
    answers = {q.pk: Answer(choice="no", evidence="x", explanation="x") for q in io_questions if q.is_core}
    progress = compute_progress(io_questions, answers, COMPLETE_REVIEW)
    assert progress.core_done and progress.core_percent == 100 and progress.incomplete_core == []
