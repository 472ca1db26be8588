import re

import pytest

from facilities.models import Facility, User

ROLES = {role: str(label) for role, label in Facility.ROLES.items()}
from tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_activate_sign_in_and_a_member_is_refused_the_profile_edit(page, sign_in, mailoutbox):
    page.goto("/register/")
    page.select_option("#id_programme", label="IO accreditation")
    page.click("text=Continue")
    page.wait_for_selector("h2:has-text('What IO accreditation requires')")
    page.fill("#id_name", "Browser IO Unit")
    page.fill("#id_institution", "Chromium General")
    page.fill("#id_service_line", "Interventional Radiology")
    page.fill("#id_address", "1 Test Street")
    page.fill("#id_city", "Vienna")
    page.select_option("#id_country", "AT")
    page.fill("#id_phone", "+43 1 000")
    page.fill("#id_annual_procedures", "200")
    page.check("#id_head_of_department_approval")
    for role, (first, last, email, phone) in {
        "authorised_representative": ("Rita", "Repp", "rep@browser.example", "+43 1 001"),
        "deputy_representative": ("Dora", "Deppe", "deputy@browser.example", "+43 1 002"),
        "main_account_holder": ("Hans", "Holder", "holder@browser.example", "+43 1 003"),
    }.items():
        # Each field is found by its visible label, as a person (or a screen reader) finds it.
        page.get_by_label(f"First name of the {ROLES[role]}").fill(first)
        page.get_by_label(f"Last name of the {ROLES[role]}").fill(last)
        page.get_by_label(f"E-mail of the {ROLES[role]}").fill(email)
        page.get_by_label(f"Phone of the {ROLES[role]}").fill(phone)
    page.click("text=Register facility")
    page.wait_for_selector("text=Thank you for registering")

    activation = next(m for m in mailoutbox if m.to == ["rep@browser.example"])
    assert "Activate your account" in activation.subject
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", activation.body).group(0)
    page.goto(link)
    page.wait_for_selector("h1:has-text('Activate your account')")
    assert page.input_value("#id_first_name") == "Rita" and page.input_value("#id_last_name") == "Repp"
    page.fill("input[name=password1]", "browser-secret-51")
    page.fill("input[name=password2]", "browser-secret-51")
    page.click("text=Activate account")

    # Activation signs in: the dashboard names the facility and the role, the header names the person.
    page.wait_for_selector("h1:has-text('Browser IO Unit')")
    assert page.is_visible("text=Authorised representative")
    assert page.is_visible("text=Registered")
    assert page.is_visible("header >> text=Rita Repp")

    member = MembershipFactory(facility=Facility.objects.get(name="Browser IO Unit")).user
    page.click("text=Sign out")
    sign_in(member.email, PASSWORD)
    page.wait_for_selector("h1:has-text('Browser IO Unit')")
    assert not page.is_visible("text=Edit facility profile")
    response = page.goto("/facility/profile/edit/")
    assert response.status == 403
    assert User.objects.filter(email="rep@browser.example").get().has_usable_password()


def test_an_srs_centre_registers_with_srs_requirements_refused_until_met(page):
    page.goto("/register/")
    page.select_option("#id_programme", label="SRS certification")
    page.click("text=Continue")
    page.wait_for_selector("h2:has-text('What SRS certification requires')")
    assert not page.is_visible("text=Therapeutic IO procedures") and not page.is_visible("#id_annual_procedures")
    for selector, value in {
        "#id_name": "Browser SRS Unit", "#id_institution": "Chromium General", "#id_service_line": "Radiation Oncology",
        "#id_address": "1 Test Street", "#id_city": "Vienna", "#id_phone": "+43 1 000",
        "#id_srs_platform": "Linac with cones", "#id_srs_patients_per_year": "5",
        "#id_srs_physicist": "Dr Ada Physik", "#id_srs_physician": "Dr Bea Neuro",
    }.items():
        page.fill(selector, value)
    page.select_option("#id_country", "AT")
    for role, (first, last, email) in {
        "authorised_representative": ("Sara", "Sterk", "rep@srs.example"),
        "deputy_representative": ("Dora", "Deppe", "deputy@srs.example"),
        "main_account_holder": ("Sara", "Sterk", "rep@srs.example"),
    }.items():
        page.get_by_label(f"First name of the {ROLES[role]}").fill(first)
        page.get_by_label(f"Last name of the {ROLES[role]}").fill(last)
        page.get_by_label(f"E-mail of the {ROLES[role]}").fill(email)
        page.get_by_label(f"Phone of the {ROLES[role]}").fill("+43 1 004")
    page.click("text=Register facility")
    page.wait_for_selector("text=requires at least 10 intracranial SRS patients a year")
    assert page.is_visible("text=confirm that your centre will host them")
    assert not Facility.objects.filter(name="Browser SRS Unit").exists()

    page.fill("#id_srs_patients_per_year", "40")
    page.check("#id_site_visit_and_dosimetry_audit")
    page.click("text=Register facility")
    page.wait_for_selector("text=Thank you for registering")
    facility = Facility.objects.get(name="Browser SRS Unit")
    assert dict(facility.enrolment_declarations.values_list("code", "value"))["srs_patients_per_year"] == 40
