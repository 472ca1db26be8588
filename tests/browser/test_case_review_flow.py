from datetime import timedelta

import pytest
from django.utils import timezone

from applications.services import open_application
from casereview.models import CaseReview, DatasetItem
from facilities.models import Enrolment, Facility
from tests.conftest import people_of
from tests.factories import PASSWORD, FacilityFactory, enrolment_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REVIEW_QUESTIONS = (13, 30, 36)


def write_eligible_list(path, count=40):
    today = timezone.localdate()
    tumours = ["Liver", "Colorectal", "Kidney", "Lung"]
    lines = ["record_identifier,procedure_date,tumour_type"] + [
        f"PW-{n:03d},{(today - timedelta(days=3 * n)).isoformat()},{tumours[n % 4]}" for n in range(1, count + 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_member_draws_30_cases_from_a_csv_file_checks_them_and_questions_13_30_36_turn_complete(page, sign_in, tmp_path):
    staff = people_of(FacilityFactory(name="Playwright Review Centre", status=Enrolment.Status.ENROLLED))
    open_application(enrolment_of(staff.facility))
    sign_in(staff.member.email, PASSWORD)

    for number in REVIEW_QUESTIONS:
        page.goto(f"/facility/application/questions/{number}/")  # on its standard's page
        card = page.locator(f"#q-{number}")
        card.locator("textarea[name=evidence]").fill("The internal case review of 30 drawn records")
        card.locator("textarea[name=explanation]").fill("Referral dates were kept in the referring hospital's letters; they are now copied into our records.")
        card.locator("input[name=choice][value=no]").check()
        card.locator(".saved").wait_for()
        assert card.locator(f"#q-{number}-state").inner_text() == "Incomplete"
        assert "0 of 30 cases complete" in card.locator(".review-status").inner_text()

    page.goto("/facility/application/questions/13/")
    page.locator("#q-13 .review-status a").click()
    page.wait_for_selector("h1:has-text('Case review summary')")
    page.click(".breadcrumb a:has-text('Internal case review')")
    page.click("text=Draw at random")
    page.set_input_files("input[name=records_file]", str(write_eligible_list(tmp_path / "eligible.csv")))
    assert page.locator("input[name=seed]").count() == 0  # the portal chooses the seed
    page.click("text=Draw 30 cases")
    page.wait_for_selector("text=30 cases drawn at random from 40 eligible records with the portal")
    cases = list(CaseReview.objects.get(application__facility=staff.facility).cases.order_by("pk"))
    assert len(cases) == 30

    # The first record holds the consent and safety items; the drawn identifiers cannot be reused.
    page.goto(f"/facility/case-review/cases/{cases[0].pk}/")
    page.fill("#id_record_identifier", cases[1].record_identifier)
    page.locator("#id_record_identifier").blur()
    page.wait_for_selector(f"text=The record {cases[1].record_identifier} is already one of the cases.")
    page.fill("#id_record_identifier", cases[0].record_identifier)
    for item in DatasetItem.objects.filter(group__code__in=["consent", "safety"]):
        page.check(f"#item-{item.code}")
    for case in cases:
        if page.url.rstrip("/").split("/")[-1] != str(case.pk):
            page.goto(f"/facility/case-review/cases/{case.pk}/")
        page.check("#id_checked")
        page.locator("#case-state.ok").wait_for()  # "Incomplete" contains "complete": wait on the class
    page.wait_for_selector("text=30 of 30 cases complete")
    assert set(cases[0].present_items.values_list("group__code", flat=True)) == {"consent", "safety"}

    page.goto("/facility/case-review/summary/")
    page.wait_for_selector("text=Liver")
    assert page.locator("text=Cases still incomplete").count() == 1 and page.locator(".incomplete li").count() == 0

    for number in REVIEW_QUESTIONS:
        page.goto(f"/facility/application/questions/{number}/")
        assert page.locator(f"#q-{number}-state").inner_text() == "Complete"
        assert "30 of 30 cases complete" in page.locator(f"#q-{number} .review-status").inner_text()
