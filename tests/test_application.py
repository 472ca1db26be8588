import re

import pytest
from django.urls import reverse

from applications.models import Answer, AnswerRevision, Application, Question
from facilities.models import AuditEntry

from .factories import (
    enrolment_of,
    FacilityFactory,
    answer_questions,
    complete_case_review,
    core_questions,
)

pytestmark = pytest.mark.django_db
# Fixed costs, whatever the number of answers: session, user, membership (with whether the programme has a case
# review), facility, application (with its question set and programme), questions, answers, the case review's state
# (its dataset items, its cases, their checklists) and, on pages, the navigation (unread messages, invoices tab).
PAGE_QUERIES = 12
# The questions are read once for the save and the progress it answers with; the application is re-read under its
# row lock before the write.
AUTOSAVE_QUERIES = 15
HTMX = {"HTTP_HX_REQUEST": "true"}


def question(application, number):
    return Question.objects.get(standard__question_set=application.question_set, number=number)


def answer_url(q):
    return reverse("applications:answer", args=[q.pk])


def post_answer(client, q, version=0, htmx=True, **fields):
    data = {"choice": "yes", "evidence": "Our register", "explanation": "Because", "version": version, **fields}
    return client.post(answer_url(q), data, **(HTMX if htmx else {}))


def test_the_application_is_closed_until_the_facility_is_enrolled(client, registered):
    client.force_login(registered.member)
    page = client.get(reverse("applications:application"))
    assert b"not open yet" in page.content and b"enrolment invoice" in page.content
    assert not Application.objects.exists()


def standard_url(number):
    return reverse("applications:standard", args=[number])


def navigator_marks(page):
    """Each standard's number and completion mark, as the navigator's text says them."""
    nav = page[page.index('<nav class="standard-nav"'):]
    nav = nav[:nav.index("</nav>")]
    return re.findall(r'<span class="num">(\d+)</span>.*?<span class="mark [a-z_]+">([^<]+)</span>', nav, re.S)


def test_the_application_shows_one_standard_with_the_navigator_of_all_13_and_the_overall_progress(client, enrolled, application):
    client.force_login(enrolled.member)
    page = client.get(reverse("applications:application")).content.decode()
    first = application.question_set.standards.get(number=1)
    assert page.count('class="question card"') == first.questions.count() == 8
    assert f"Standard 1: {first.title}" in page and "0 of 28 core questions complete" in page
    assert navigator_marks(page) == [(str(n), "Not started") for n in range(1, 14)]
    assert page.count('aria-current="page"><span class="num">') == 1
    assert f'href="{standard_url(1)}" aria-current="page"><span class="num">' in page
    assert f'rel="next" href="{standard_url(2)}"' in page and 'rel="prev"' not in page

    last = client.get(standard_url(13)).content.decode()
    assert f'rel="prev" href="{standard_url(12)}"' in last and 'rel="next"' not in last
    assert reverse("applications:summary") in last
    assert client.get(standard_url(14)).status_code == 404


def test_the_application_opens_the_first_standard_not_complete_and_marks_each_standard(client, enrolled, application):
    first_core = [q for q in core_questions(application) if q.standard.number == 1]
    answer_questions(application, first_core)
    answer_questions(application, [question(application, 9)], evidence="")  # standard 2, half written
    client.force_login(enrolled.member)
    page = client.get(reverse("applications:application")).content.decode()
    assert "Standard 2:" in page and 'id="q-9"' in page and 'id="q-1"' not in page
    marks = dict(navigator_marks(page))
    assert (marks["1"], marks["2"], marks["3"]) == ("Complete", "In progress", "Not started")


def test_the_evidence_help_sits_above_the_evidence_box_it_describes(client, enrolled, application):
    client.force_login(enrolled.member)
    page = client.get(standard_url(1)).content.decode()
    q1 = question(application, 1)
    help_at = page.index('<p class="help evidence-help" id="id_q1_evidence_helptext">')
    assert page.index('<label for="id_q1_evidence">') < help_at < page.index('<textarea name="evidence" id="id_q1_evidence"')
    assert 'aria-describedby="id_q1_evidence_helptext"' in page and q1.evidence_help.split()[0] in page[help_at:]


def test_a_question_number_leads_to_its_standard(client, enrolled, application):
    client.force_login(enrolled.member)
    q13 = question(application, 13)
    response = client.get(reverse("applications:question", args=[13]))
    assert response.status_code == 302 and response.url == f"{standard_url(q13.standard.number)}#q-13"
    assert client.get(reverse("applications:question", args=[99])).status_code == 404


def test_a_member_saves_an_answer_with_htmx_and_sees_progress(client, enrolled, application):
    client.force_login(enrolled.member)
    q1 = question(application, 1)
    response = post_answer(client, q1)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved at" in body and "1 of 28 core questions complete" in body and 'hx-swap-oob="true"' in body
    answer = Answer.objects.get(application=application, question=q1)
    assert (answer.choice, answer.evidence, answer.version, answer.updated_by) == ("yes", "Our register", 1, enrolled.member)


def test_the_plain_save_button_works_without_javascript(client, enrolled, application):
    client.force_login(enrolled.deputy)
    q2 = question(application, 2)
    response = post_answer(client, q2, htmx=False)
    assert response.status_code == 302 and response.url.endswith(f"#q-{q2.number}")
    assert Answer.objects.get(question=q2).updated_by == enrolled.deputy


def test_every_save_is_kept_in_the_answer_history_which_the_office_reads(client, enrolled, application, office_user):
    client.force_login(enrolled.member)
    q1 = question(application, 1)
    post_answer(client, q1, evidence="First draft")
    post_answer(client, q1, version=1, evidence="Second draft", choice="no")
    revisions = list(AnswerRevision.objects.filter(answer__question=q1).order_by("version"))
    assert [(r.version, r.choice, r.evidence, r.changed_by) for r in revisions] == [
        (1, "yes", "First draft", enrolled.member),
        (2, "no", "Second draft", enrolled.member),
    ]
    client.force_login(office_user)
    page = client.get(reverse("office:application", args=[application.pk])).content.decode()
    assert "First draft" in page and "Second draft" in page and "2 saved versions" in page


def test_two_people_editing_the_same_answer_the_second_save_is_refused_with_the_other_version(client, enrolled, application):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(enrolled.member)
    second.force_login(enrolled.holder)
    q5 = question(application, 5)
    # Both opened the page when the answer was at version 0.
    assert post_answer(first, q5, evidence="Member's evidence").status_code == 200
    response = post_answer(second, q5, evidence="Holder's evidence")

    assert response.status_code == 409
    body = response.content.decode()
    assert "Member&#x27;s evidence" in body  # the other person's version is shown
    assert "Holder&#x27;s evidence" in body  # and the user's own text is kept in the form
    assert response["HX-Retarget"] == f"#q-{q5.number}"
    answer = Answer.objects.get(question=q5)
    assert answer.evidence == "Member's evidence" and answer.version == 1
    # Saving again from the refreshed form is a deliberate overwrite.
    assert post_answer(second, q5, version=1, evidence="Holder's evidence").status_code == 200
    assert Answer.objects.get(question=q5).evidence == "Holder's evidence"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"choice": "maybe"}, "Choose Yes or No."),
        ({"evidence": "x" * 10_001}, "Keep this under 10000 characters (it has 10001)."),
        ({"explanation": "y" * 10_001}, "Keep this under 10000 characters"),
    ],
)
def test_bad_answers_are_refused_with_a_message_and_nothing_is_stored(client, enrolled, application, fields, message):
    client.force_login(enrolled.member)
    q5 = question(application, 5)  # asks for an explanation
    response = post_answer(client, q5, **fields)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Answer.objects.exists() and not AnswerRevision.objects.exists()


def test_a_question_of_another_programme_is_not_found(client, enrolled, application):
    client.force_login(enrolled.member)
    srs_question = Question.objects.filter(standard__question_set__programme__code="srs").first()
    assert post_answer(client, srs_question).status_code == 404
    assert not Answer.objects.exists()


def test_another_facilitys_staff_cannot_reach_this_application(client, enrolled, application):
    other = FacilityFactory(status="enrolled")
    client.force_login(other.authorised_representative)
    post_answer(client, question(application, 1))
    assert not Answer.objects.filter(application=application).exists()


def complete_core(application):
    complete_case_review(application)
    return answer_questions(application, core_questions(application))


def test_only_the_authorised_representative_sees_submit_once_the_core_is_complete(client, enrolled, application):
    client.force_login(enrolled.rep)
    assert b"Submit application" not in client.get(reverse("applications:application")).content
    complete_core(application)
    assert b"Submit application" in client.get(reverse("applications:application")).content
    for other in (enrolled.deputy, enrolled.holder, enrolled.member):
        client.force_login(other)
        assert b"Submit application" not in client.get(reverse("applications:application")).content


@pytest.mark.parametrize("role", ["deputy", "holder", "member"])
def test_a_forged_submission_by_anyone_but_the_representative_is_refused(client, enrolled, application, role):
    complete_core(application)
    client.force_login(getattr(enrolled, role))
    assert client.get(reverse("applications:submit")).status_code == 403
    assert client.post(reverse("applications:submit")).status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT and application.submitted_at is None


def test_submitting_an_incomplete_application_is_refused(client, enrolled, application):
    complete_case_review(application)
    answer_questions(application, core_questions(application)[:27])
    client.force_login(enrolled.rep)
    response = client.post(reverse("applications:submit"), follow=True)
    assert b"1 core question is still incomplete" in response.content
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_submission_needs_the_complete_case_review(client, enrolled, application):
    answer_questions(application, core_questions(application))
    complete_case_review(application, count=29)
    client.force_login(enrolled.rep)
    assert b"Submit application" not in client.get(reverse("applications:application")).content
    response = client.post(reverse("applications:submit"), follow=True)
    assert b"3 core questions are still incomplete" in response.content
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_the_representative_submits_then_everything_is_read_only(
    client, enrolled, application, mailoutbox, django_capture_on_commit_callbacks, settings
):
    complete_core(application)
    client.force_login(enrolled.rep)
    confirm = client.get(reverse("applications:submit")).content.decode()
    assert "cannot be changed" in confirm

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:submit"))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.submitted_by == enrolled.rep
    assert AuditEntry.objects.filter(action="application.submit", actor=enrolled.rep).exists()
    assert mailoutbox[-1].to[0] == settings.OFFICE_EMAIL and enrolled.facility.name in mailoutbox[-1].subject
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Submitted" in dashboard and str(enrolled.rep) in dashboard
    page = client.get(reverse("applications:application")).content.decode()
    assert "read-only" in page and "<form method=\"post\" action=\"/facility/application/answers" not in page

    client.force_login(enrolled.member)
    response = post_answer(client, question(application, 1), version=1, evidence="Changed after submission")
    assert response.status_code == 422 and b"can no longer be changed" in response.content
    assert Answer.objects.get(application=application, question=question(application, 1)).evidence != "Changed after submission"


def test_a_submission_sent_twice_is_submitted_once_and_its_button_says_it_is_working(client, enrolled, application):
    complete_core(application)
    client.force_login(enrolled.rep)
    confirm = client.get(reverse("applications:submit")).content.decode()
    assert '<form method="post" data-busy="Working…">' in confirm  # static/js/busy.js marks it busy and refuses a second send
    first = client.post(reverse("applications:submit"))
    second = client.post(reverse("applications:submit"), follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert AuditEntry.objects.filter(action="application.submit").count() == 1
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


@pytest.mark.parametrize("answered", [0, 1, 52])
def test_the_application_page_costs_the_same_queries_for_0_1_or_52_answers(
    client, enrolled, application, answered, django_assert_num_queries
):
    questions = list(Question.objects.filter(standard__question_set=application.question_set).order_by("number"))
    answer_questions(application, questions[:answered])
    client.force_login(enrolled.member)
    for url in (reverse("applications:application"), standard_url(8)):  # 8 holds a case review question
        with django_assert_num_queries(PAGE_QUERIES):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("answered", [0, 1, 52])
def test_an_autosave_costs_the_same_queries_for_0_1_or_52_answers(
    client, enrolled, application, answered, django_assert_num_queries
):
    questions = list(Question.objects.filter(standard__question_set=application.question_set).order_by("number"))
    answer_questions(application, questions[1 : 1 + answered] if answered < 52 else questions[1:])
    client.force_login(enrolled.member)
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        assert post_answer(client, questions[0]).status_code == 200


def test_the_summary_and_the_dashboard_show_the_case_review_beside_the_application(
    client, enrolled, application, django_assert_num_queries
):
    answer_questions(application, core_questions(application)[:3])
    complete_case_review(application)
    client.force_login(enrolled.member)
    # The dashboard also looks for a deadline (the latest assessment round).
    for url, queries in ((reverse("applications:summary"), PAGE_QUERIES), (reverse("facilities:dashboard"), 13)):
        with django_assert_num_queries(queries):
            page = client.get(url).content.decode()
        pair = page[page.index('<div class="progress-pair">'):]
        assert "3 of 28 core questions complete" in pair and "30 of 30 cases complete" in pair


def test_the_case_review_is_in_the_navigation_of_facility_staff_whose_programme_has_one(client, enrolled):
    from applications.models import Programme

    review_link = f'<a href="{reverse("casereview:review")}"'
    client.force_login(enrolled.member)
    assert review_link in client.get(reverse("facilities:dashboard")).content.decode()
    srs = FacilityFactory(programme=Programme.objects.get(code="srs"), status=enrolment_of(enrolled.facility).status)
    client.force_login(srs.authorised_representative)
    page = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Case review" not in page and review_link not in page


def test_a_question_edited_in_the_admin_shows_its_new_text_although_its_card_is_cached(client, enrolled, application):
    client.force_login(enrolled.member)
    q1 = question(application, 1)
    assert q1.text in client.get(standard_url(1)).content.decode()  # rendered, then kept in the cache
    Question.objects.filter(pk=q1.pk).update(text="Does the unit keep a signed credentialing register?")
    page = client.get(standard_url(1)).content.decode()
    assert "Answer to question 1: Does the unit keep a signed credentialing register?" in page
