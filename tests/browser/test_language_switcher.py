import pytest

from tests.factories import PASSWORD, FacilityFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_language_is_switched_with_the_keyboard_alone_and_kept_on_the_account(page, sign_in):
    member = MembershipFactory(facility=FacilityFactory()).user
    sign_in(member.email, PASSWORD)
    page.wait_for_selector("text=Sign out")

    page.get_by_label("Language").focus()
    page.keyboard.press("ArrowDown")  # English -> Deutsch
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    page.wait_for_selector("text=Abmelden")
    assert page.locator("html").get_attribute("lang") == "de"
    member.refresh_from_db()
    assert member.language == "de"
