"""A save that fails says so, keeps what was typed, and is retried; only a real save says "Saved"."""
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Answer, Question
from applications.services import open_application
from assessment.models import Verdict
from facilities.models import Enrolment, Facility
from tests.conftest import people_of
from tests.factories import PASSWORD, AnswerFactory, FacilityFactory, ReviewCaseFactory, core_questions, enrolment_of
from tests.workflow_steps import assign, submitted_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failed_answer_save_says_not_saved_keeps_the_text_and_a_retry_saves_it(page, sign_in):
    staff = people_of(FacilityFactory(name="Unreliable Network Centre", status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(staff.facility))
    question = Question.objects.get(standard__question_set=application.question_set, number=1)
    AnswerFactory(application=application, question=question, evidence="First draft", updated_at=timezone.now(),
                  updated_by=staff.member)
    save_url = re.compile(rf"/answers/{question.pk}/$")
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/application/")
    card = page.locator("#q-1")
    status = card.locator("#q-1-status")
    assert "Last saved by" in status.inner_text()

    page.route(save_url, lambda route: route.abort("internetdisconnected"))
    card.locator("textarea[name=evidence]").fill("The CPD log of every interventional radiologist")
    card.locator("input[name=choice][value=no]").check()
    status.locator("text=Not saved: the portal could not be reached.").wait_for()
    assert "Last saved" not in status.inner_text() and "Saved at" not in status.inner_text()
    assert card.locator("textarea[name=evidence]").input_value() == "The CPD log of every interventional radiologist"

    page.unroute(save_url)
    page.route(save_url, lambda route: route.fulfill(status=500, body="Server Error"))
    status.locator("button:has-text('Retry now')").click()
    status.locator("text=Not saved: the portal could not save this just now.").wait_for()
    assert Answer.objects.get(application=application, question=question).evidence == "First draft"

    page.unroute(save_url)
    status.locator("button:has-text('Retry now')").click()
    status.locator("[data-autosave=saved]").wait_for()
    answer = Answer.objects.get(application=application, question=question)
    assert (answer.evidence, answer.choice) == ("The CPD log of every interventional radiologist", "no")


def test_a_save_answered_by_the_sign_in_page_is_not_shown_as_saved(page, sign_in):
    staff = people_of(FacilityFactory(name="Expired Session Centre", status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(staff.facility))
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/application/")
    page.context.clear_cookies(name="sessionid")  # the session ends while the page stays open

    card = page.locator("#q-2")
    card.locator("input[name=choice][value=yes]").check()
    card.locator("text=Not saved: you may have been signed out.").wait_for()
    assert card.locator("input[name=login]").count() == 0  # the sign-in page is not swapped into the status
    assert not Answer.objects.filter(application=application, question__number=2).exists()


def test_a_failed_case_save_says_not_saved_and_the_next_change_saves_it(page, sign_in):
    staff = people_of(FacilityFactory(name="Flaky Review Centre", status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(staff.facility))
    case = ReviewCaseFactory(application=application, record_identifier="MRN-FLAKY", present_items=[], checked=False)
    save_url = re.compile(rf"/case-review/cases/{case.pk}/$")
    sign_in(staff.member.email, PASSWORD)
    page.goto(f"/facility/case-review/cases/{case.pk}/")

    page.route(save_url, lambda route: route.fulfill(status=500, body="Server Error"))
    page.fill("#id_tumour_type", "Neuroendocrine")
    page.locator("#id_tumour_type").blur()
    status = page.locator("#case-status")
    status.locator("text=Not saved: the portal could not save this just now.").wait_for()
    assert status.locator("button:has-text('Retry now')").is_visible()
    assert page.locator("#id_tumour_type").input_value() == "Neuroendocrine"
    case.refresh_from_db()
    assert case.tumour_type != "Neuroendocrine"

    page.unroute(save_url)
    page.check("#id_checked")
    status.locator("[data-autosave=saved]").wait_for()
    case.refresh_from_db()
    assert (case.tumour_type, case.checked) == ("Neuroendocrine", True)


def test_a_failed_verdict_save_says_not_saved_and_a_retry_saves_it(page, sign_in):
    staff = people_of(FacilityFactory(name="Verdict Outage Centre", status=Enrolment.Status.ENROLLED))
    application = submitted_application(staff.facility)
    assessor, _second = assign(application)
    question = core_questions(application)[0]
    save_url = re.compile(rf"/questions/{question.pk}/verdict/$")
    sign_in(assessor.email, PASSWORD)
    page.goto(reverse("assessment:review", args=[application.pk]))

    page.route(save_url, lambda route: route.abort("internetdisconnected"))
    card = page.locator(f"#q-{question.number}")
    card.locator("textarea[name=comment]").fill("Show the CPD log for 2025.")
    card.locator("input[name=outcome][value=not_met]").check()
    status = card.locator(f"#v-{question.number}-status")
    status.locator("text=Not saved: the portal could not be reached.").wait_for()
    assert card.locator("textarea[name=comment]").input_value() == "Show the CPD log for 2025."

    page.unroute(save_url)
    status.locator("button:has-text('Retry now')").click()
    status.locator("[data-autosave=saved]").wait_for()
    verdict = Verdict.objects.get(question=question, assessor=assessor)
    assert (verdict.outcome, verdict.comment) == ("not_met", "Show the CPD log for 2025.")
