import re

import pytest

from facilities.models import Facility, User
from tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_activate_sign_in_and_a_member_is_refused_the_profile_edit(page, sign_in, mailoutbox):
    page.goto("/register/")
    page.fill("#id_name", "Browser IO Unit")
    page.fill("#id_institution", "Chromium General")
    page.fill("#id_service_line", "Interventional Radiology")
    page.fill("#id_address", "1 Test Street")
    page.fill("#id_city", "Vienna")
    page.fill("#id_country", "Austria")
    page.fill("#id_phone", "+43 1 000")
    page.fill("#id_annual_procedures", "200")
    page.check("#id_head_of_department_approval")
    page.fill("#id_authorised_representative_email", "rep@browser.example")
    page.fill("#id_deputy_representative_email", "deputy@browser.example")
    page.fill("#id_main_account_holder_email", "holder@browser.example")
    page.click("text=Register facility")
    page.wait_for_selector("text=Thank you for registering")

    activation = next(m for m in mailoutbox if m.to == ["rep@browser.example"] and "confirm-email" in m.body)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", activation.body).group(0)
    page.goto(link)
    page.fill("input[name=password1]", "browser-secret-51")
    page.fill("input[name=password2]", "browser-secret-51")
    page.click("button[type=submit]")

    sign_in("rep@browser.example", "browser-secret-51")
    page.wait_for_selector("h1:has-text('Browser IO Unit')")
    assert page.is_visible("text=Authorised representative")
    assert page.is_visible("text=Registered")

    member = MembershipFactory(facility=Facility.objects.get(name="Browser IO Unit")).user
    page.click("text=Sign out")
    sign_in(member.email, PASSWORD)
    page.wait_for_selector("h1:has-text('Browser IO Unit')")
    assert not page.is_visible("text=Edit facility profile")
    response = page.goto("/facility/profile/edit/")
    assert response.status == 403
    assert User.objects.filter(email="rep@browser.example").get().has_usable_password()
