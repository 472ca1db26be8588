"""The assessor's review page and queue (issues 11 and 12): what the assessor is shown, what the server accepts,
and a cost that does not grow with answers, verdicts or assignments."""
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import Question
from assessment import services
from assessment.forms import VerdictForm
from assessment.models import Verdict

from .factories import ChairpersonFactory, FacilityFactory, answer_questions
from .test_assessment import REVIEW_QUERIES
from .workflow_steps import assign, finish_round, question, reply_to_all, submitted_application

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def submitted(enrolled):
    return submitted_application(enrolled.facility)


def review_page(client, application):
    response = client.get(reverse("assessment:review", args=[application.pk]))
    assert response.status_code == 200
    return response.content.decode()


def extended(application, answered):
    """An extended question the facility answered (``answered``) or left unanswered."""
    questions = Question.objects.filter(standard__question_set=application.question_set, is_core=False)
    given = application.answers.filter(question__is_core=False).values("question")
    return (questions.filter(pk__in=given) if answered else questions.exclude(pk__in=given)).order_by("number").first()


def test_the_review_page_shows_the_assessors_own_verdicts_given_and_needed(client, submitted):
    first, second = assign(submitted)
    for number in (1, 3):
        services.record_verdict(submitted, first, question(submitted, number), Verdict.Outcome.MET, "")
    client.force_login(first)
    page = review_page(client, submitted)
    assert "Your verdicts: 2 of 28 core questions" in page
    assert "core questions complete" not in page  # not the facility's progress with its answers
    client.force_login(second)
    assert "Your verdicts: 0 of 28 core questions" in review_page(client, submitted)


def test_saving_a_verdict_updates_the_assessors_progress(client, submitted):
    first, _second = assign(submitted)
    client.force_login(first)
    response = client.post(reverse("assessment:verdict", args=[submitted.pk, question(submitted, 1).pk]),
                           {"outcome": "met", "comment": ""}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="verdict-progress"' in body and 'hx-swap-oob="true"' in body
    assert "Your verdicts: 1 of 28 core questions" in body


def test_extended_questions_the_facility_left_unanswered_take_no_verdict(client, submitted):
    answered = extended(submitted, answered=False)
    answer_questions(submitted, [answered])
    unanswered = extended(submitted, answered=False)
    first, _second = assign(submitted)
    client.force_login(first)
    page = review_page(client, submitted)
    assert f'id="id_v{answered.number}_comment"' in page
    assert f'id="id_v{unanswered.number}_comment"' not in page
    assert "answered extended questions (optional): 0 of 1" in page
    for core in Question.objects.filter(standard__question_set=submitted.question_set, is_core=True):
        assert f'id="id_v{core.number}_comment"' in page

    url = reverse("assessment:verdict", args=[submitted.pk, unanswered.pk])
    refused = client.post(url, {"outcome": "not_met", "comment": "Nothing here."}, **HTMX)
    assert refused.status_code == 422 and b"left this extended question unanswered" in refused.content
    with pytest.raises(ValidationError):
        services.record_verdict(submitted, first, unanswered, Verdict.Outcome.MET, "")
    assert not Verdict.objects.filter(question=unanswered).exists()
    # Completing the round still needs the core questions only.
    for core in Question.objects.filter(standard__question_set=submitted.question_set, is_core=True):
        services.record_verdict(submitted, first, core, Verdict.Outcome.MET, "")
    services.complete_round(submitted, first)


def test_the_written_out_verdict_form_is_the_one_the_server_validates(client, submitted):
    first, _second = assign(submitted)
    q5 = question(submitted, 5)
    services.record_verdict(submitted, first, q5, Verdict.Outcome.NOT_MET, "The register <is> missing.")
    client.force_login(first)
    page = review_page(client, submitted)
    article = page[page.index('id="q-5"'):page.index("</article>", page.index('id="q-5"'))]
    choices = [value for value, _label in VerdictForm.base_fields["outcome"].choices]
    assert re.findall(r'name="outcome" value="([a-z_]+)"', article) == choices
    assert re.search(r'value="not_met" id="id_v5_outcome_1" required checked>', article)
    assert "The register &lt;is&gt; missing.</textarea>" in article
    assert 'aria-describedby="id_v5_comment_helptext"' in article and 'id="id_v5_comment_helptext"' in article
    assert f'action="{reverse("assessment:verdict", args=[submitted.pk, q5.pk])}"' in article


def test_the_question_heads_come_from_the_cache_in_each_language_and_follow_the_question_text(client, submitted):
    first, _second = assign(submitted)
    client.force_login(first)
    cache.clear()
    assert "Criterion 1" in review_page(client, submitted) or "Criterion" in review_page(client, submitted)
    first.language = "de"
    first.save()
    german = review_page(client, submitted)
    assert "Kriterium" in german and "Criterion" not in german
    q1 = question(submitted, 1)
    q1.text = "Is there a named lead for the service, reworded?"
    q1.save()
    assert "Is there a named lead for the service, reworded?" in review_page(client, submitted)


@pytest.mark.parametrize("state", ["first round", "second round with replies"])
def test_the_review_page_costs_the_same_queries_in_every_round(client, enrolled, state, django_assert_num_queries):
    application = submitted_application(enrolled.facility)
    answer_questions(application, Question.objects.filter(standard__question_set=application.question_set, is_core=False))
    first, second = assign(application)
    if state == "second round with replies":
        finish_round(application, [first, second], unclear=(5, 12))
        reply_to_all(application, enrolled.rep)
        services.resubmit_application(application, enrolled.rep)
    services.record_verdict(application, first, question(application, 1), Verdict.Outcome.MET, "")
    client.force_login(first)
    review_page(client, application)  # warm per-process caches (content types, question heads)
    with django_assert_num_queries(REVIEW_QUERIES):
        page = review_page(client, application)
    assert "Your verdicts:" in page


@pytest.mark.parametrize("count", [2, 20])
def test_the_assessor_queue_costs_the_same_queries_for_2_or_20_applications(client, count, django_assert_num_queries):
    from .factories import AssessorFactory

    first, second = AssessorFactory(), AssessorFactory()
    for _ in range(count):
        assign(submitted_application(FacilityFactory(status="enrolled")), first, second)
    client.force_login(first)
    client.get(reverse("assessment:queue"))
    with django_assert_num_queries(QUEUE_QUERIES):
        page = client.get(reverse("assessment:queue")).content.decode()
    assert page.count("Give your verdicts and complete the round") == count


QUEUE_QUERIES = 10


def test_the_decision_page_links_to_the_application_and_the_case_review_summary(client, submitted):
    client.force_login(ChairpersonFactory())
    page = client.get(reverse("assessment:decide", args=[submitted.pk])).content.decode()
    assert f'href="{reverse("office:application", args=[submitted.pk])}"' in page
    assert f'href="{reverse("office:case_review", args=[submitted.pk])}"' in page
