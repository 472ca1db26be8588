import pytest

from applications.models import Application, Question
from applications.services import open_application
from facilities.models import Facility
from tests.conftest import people_of
from tests.factories import PASSWORD, FacilityFactory, complete_case_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_fills_the_core_deputy_cannot_submit_representative_submits(page, sign_in):
    staff = people_of(FacilityFactory(name="Playwright IO Centre", status=Facility.Status.ENROLLED))
    application = open_application(staff.facility)
    # The case review has its own browser test; here its 30 complete cases are given.
    complete_case_review(application)
    core = Question.objects.filter(standard__question_set=application.question_set, is_core=True).order_by("number")

    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/application/")
    page.wait_for_selector("text=0 of 28 core questions complete")
    for question in core:
        card = page.locator(f"#q-{question.number}")
        if not card.count():  # the next standard, through its link
            page.click(".pager a[rel=next]")
            page.wait_for_url("**/standards/*/")
            if not card.count():
                page.goto(f"/facility/application/questions/{question.number}/")
        card.locator("textarea[name=evidence]").fill(f"Evidence for question {question.number}")
        if question.asks_explanation:
            card.locator("textarea[name=explanation]").fill("Explained in our policy")
        card.locator("input[name=choice][value=yes]").check()
        card.locator(".saved").wait_for()
        card.locator("text=Complete").first.wait_for()
    page.wait_for_selector("text=28 of 28 core questions complete")
    assert page.locator("#progress [role=progressbar]").get_attribute("aria-valuenow") == "100"
    assert page.locator("text=Submit application").count() == 0  # a member never sees it

    page.click("text=Sign out")
    sign_in(staff.deputy.email, PASSWORD)
    page.goto("/facility/application/")
    page.wait_for_selector("text=28 of 28 core questions complete")
    assert page.locator("text=Submit application").count() == 0

    page.click("text=Sign out")
    sign_in(staff.rep.email, PASSWORD)
    page.goto("/facility/application/")
    page.click("text=Submit application")
    page.wait_for_selector("text=cannot be changed")
    page.click("text=Yes, submit the application")
    page.wait_for_selector("text=has been submitted")
    page.goto("/facility/application/")
    page.wait_for_selector("text=read-only")
    assert page.locator("textarea").count() == 0 and page.locator("input[name=choice]").count() == 0
    assert Application.objects.get(pk=application.pk).status == Application.Status.SUBMITTED
