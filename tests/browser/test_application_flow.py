import pytest

from applications.models import Application, Question
from applications.services import open_application
from facilities.models import Enrolment, Facility
from tests.conftest import people_of
from tests.factories import PASSWORD, FacilityFactory, answer_questions, complete_case_review, core_questions, enrolment_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_fills_the_core_deputy_cannot_submit_representative_submits(page, sign_in):
    staff = people_of(FacilityFactory(name="Playwright IO Centre", status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(staff.facility))
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


def test_the_submission_says_it_is_working_and_cannot_be_sent_twice(page, sign_in):
    staff = people_of(FacilityFactory(name="Patient IO Centre", status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(staff.facility))
    complete_case_review(application)
    answer_questions(application, core_questions(application))
    sign_in(staff.rep.email, PASSWORD)
    page.goto("/facility/application/submit/")
    # Sent twice while the first is under way; a listener after static/js/busy.js counts what would go to the
    # server and holds it back, so that the page can be read meanwhile.
    outcome = page.evaluate("""() => {
        const form = document.querySelector('form[data-busy]'), button = form.querySelector('button');
        let sent = 0;
        document.addEventListener('submit', event => { if (!event.defaultPrevented) sent += 1; event.preventDefault(); });
        button.focus();
        button.click();
        button.click();
        form.requestSubmit(button);
        return [sent, form.getAttribute('aria-busy'), button.getAttribute('aria-disabled'),
                form.querySelector('[role=status]')?.textContent, document.activeElement === button];
    }""")
    assert outcome == [1, "true", "true", "Working…", True]  # and focus stays on the button
    assert Application.objects.get(pk=application.pk).status == Application.Status.DRAFT
