import re

import pytest

from applications.services import open_application
from assessment.models import Award
from facilities.models import Enrolment, Facility
from tests.conftest import pdf_text, people_of
from tests.factories import (
    enrolment_of,
    PASSWORD, AssessorFactory, ChairpersonFactory, FacilityFactory, OfficeUserFactory, answer_questions,
    complete_case_review, core_questions,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def give_verdicts(page, application_pk, unclear=None):
    page.goto(f"/assessor/applications/{application_pk}/")
    cards = page.locator("form.autosave")
    for index in range(cards.count()):
        form = cards.nth(index)
        number = int(form.get_attribute("hx-target").split("-")[1])
        if number == unclear:
            form.locator("textarea[name=comment]").fill("Please show the signed review form.")
            form.locator("input[value=clarification]").check()
        elif form.locator("xpath=ancestor::article//span[contains(@class,'core')]").count():
            form.locator("input[value=met]").check()
        else:
            continue
        form.locator(".saved").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Complete my round")
    page.wait_for_selector("text=Your part of this round is complete")


def test_one_full_path_from_submission_to_the_certificate(page, sign_in):
    staff = people_of(FacilityFactory(name="Full Path Liver Unit", status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(staff.facility))
    answer_questions(application, core_questions(application))
    complete_case_review(application)
    office, chair = OfficeUserFactory(), ChairpersonFactory()
    first, second = AssessorFactory(first_name="Ada", last_name="First"), AssessorFactory(first_name="Bo", last_name="Second")

    sign_in(staff.rep.email, PASSWORD)
    page.goto("/facility/application/submit/")
    page.click("text=Yes, submit the application")
    page.wait_for_selector("text=has been submitted")

    page.click("text=Sign out")
    sign_in(office.email, PASSWORD)
    page.goto(f"/office/applications/{application.pk}/")
    page.click("text=Assign two assessors")
    page.select_option("#id_first", str(first.pk))
    page.select_option("#id_second", str(second.pk))
    page.click("text=Assign and e-mail them")
    page.wait_for_selector("text=Two assessors are assigned")

    for assessor in (first, second):
        page.click("text=Sign out")
        sign_in(assessor.email, PASSWORD)
        give_verdicts(page, application.pk, unclear=13)

    page.click("text=Sign out")
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/assessment/")
    page.wait_for_selector("text=The assessors ask for clarification")
    for form in page.locator("article[id^=comment-] form").all():
        form.locator("textarea").fill("The signed form is in our quality folder, ref QA-13.")
        form.locator("text=Send reply").click()
        page.wait_for_selector("text=Reply saved")
    page.click("text=Sign out")
    sign_in(staff.rep.email, PASSWORD)
    page.goto("/facility/assessment/")
    page.click("text=Resubmit to the assessors")
    page.click("text=Yes, resubmit")
    page.wait_for_selector("text=Your replies have been sent")

    for assessor in (first, second):
        page.click("text=Sign out")
        sign_in(assessor.email, PASSWORD)
        give_verdicts(page, application.pk)
    for assessor in (first, second):
        page.click("text=Sign out")
        sign_in(assessor.email, PASSWORD)
        page.goto(f"/assessor/applications/{application.pk}/")
        page.check("input[name=outcome][value=approve]")
        page.fill("textarea[name=justification]", "All core criteria met after clarification.")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("text=Record my recommendation")
        page.wait_for_selector("text=Your recommendation is recorded")

    page.click("text=Sign out")
    sign_in(chair.email, PASSWORD)
    page.goto(f"/office/applications/{application.pk}/decide/")
    page.check("input[name=outcome][value=approved]")
    page.click("text=Sign off the decision")
    page.wait_for_selector("text=The decision is signed off")

    page.click("text=Sign out")
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/assessment/")
    with page.expect_download() as download_info:
        page.click("text=Download the certificate")
    text = " ".join(pdf_text(open(download_info.value.path(), "rb").read()).split())
    award = Award.objects.get()
    assert "Full Path Liver Unit" in text
    assert re.search(award.expires_on.strftime("%-d %B %Y"), text)
