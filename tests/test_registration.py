import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from applications.models import Programme
from facilities.models import AuditEntry, Facility, Membership, User

from .factories import PASSWORD, FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db


def registration_data(**overrides):
    data = {
        "programme": str(Programme.objects.get(code="io").pk),
        "name": "Liver Tumour Unit",
        "institution": "St Elsewhere Hospital",
        "service_line": "Interventional Radiology",
        "address": "12 Harbour Road",
        "postal_code": "D02",
        "city": "Dublin",
        "country": "Ireland",
        "phone": "+353 1 555 0100",
        "annual_procedures": "240",
        "head_of_department_approval": "on",
        "authorised_representative_email": "rep@stelsewhere.example",
        "deputy_representative_email": "deputy@stelsewhere.example",
        "main_account_holder_email": "rep@stelsewhere.example",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def activation_link(message):
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_registration_creates_the_facility_its_people_and_sends_activation_and_code(client, mailoutbox):
    response = client.post(reverse("register_facility"), registration_data())

    assert response.status_code == 302
    facility = Facility.objects.get()
    assert facility.status == Facility.Status.REGISTERED
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", facility.code)
    # One person holds two roles: two accounts, not three.
    assert set(User.objects.values_list("email", flat=True)) == {"rep@stelsewhere.example", "deputy@stelsewhere.example"}
    assert facility.authorised_representative == facility.main_account_holder
    assert Membership.objects.filter(facility=facility).count() == 2
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == ["deputy@stelsewhere.example", "rep@stelsewhere.example", "rep@stelsewhere.example"]
    code_mail = next(m for m in mailoutbox if facility.code in m.body)
    assert code_mail.to == ["rep@stelsewhere.example"]
    assert AuditEntry.objects.filter(facility=facility, action="facility.registered").exists()


def test_an_appointed_person_cannot_sign_in_before_activating_then_sets_a_password(client, mailoutbox):
    client.post(reverse("register_facility"), registration_data())
    deputy_mail = next(m for m in mailoutbox if m.to == ["deputy@stelsewhere.example"])

    # Not activated: no password yet, and sign-in is refused.
    response = client.post(reverse("account_login"), {"login": "deputy@stelsewhere.example", "password": "anything-at-all"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session

    response = client.get(activation_link(deputy_mail), follow=True)
    assert EmailAddress.objects.get(email="deputy@stelsewhere.example").verified
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(set_password_url, {"password1": "a-new-secret-77", "password2": "a-new-secret-77"})
    assert response.status_code == 302

    client.post(reverse("account_login"), {"login": "deputy@stelsewhere.example", "password": "a-new-secret-77"})
    response = client.get(reverse("facilities:dashboard"))
    assert response.status_code == 200
    assert b"Liver Tumour Unit" in response.content
    assert b"Deputy authorised representative" in response.content


def test_staff_join_with_the_facility_code_after_activating(client, mailoutbox):
    facility = FacilityFactory()
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Nora",
            "last_name": "Nurse",
            "email": "nora@hospital.example",
            "facility_code": facility.code.replace("-", "").lower(),
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    nora = User.objects.get(email="nora@hospital.example")
    assert nora.membership.facility == facility
    assert client.get(reverse("facilities:dashboard")).status_code == 302  # not signed in: unverified

    client.get(activation_link(mailoutbox[-1]))
    client.post(reverse("account_login"), {"login": "nora@hospital.example", "password": PASSWORD})
    response = client.get(reverse("facilities:dashboard"))
    assert response.status_code == 200
    assert b"Member" in response.content
    assert facility.code.encode() not in response.content  # the code is for the appointed roles


def count_rows():
    return (Facility.objects.count(), User.objects.count(), Membership.objects.count(), EmailAddress.objects.count())


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"deputy_representative_email": "not-an-email"}, "deputy_representative_email", "valid email"),
        ({"name": ""}, "name", "required"),
        ({"head_of_department_approval": None}, "head_of_department_approval", "required"),
        ({"annual_procedures": "90"}, "annual_procedures", "at least 150"),
    ],
)
def test_bad_registration_input_gets_a_form_error_and_writes_nothing(client, mailoutbox, overrides, field, message):
    before = count_rows()
    response = client.post(reverse("register_facility"), registration_data(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert count_rows() == before
    assert mailoutbox == []


def test_registration_with_an_email_that_already_has_an_account_is_refused(client, mailoutbox):
    UserFactory(email="rep@stelsewhere.example")
    before = count_rows()
    response = client.post(reverse("register_facility"), registration_data())
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["authorised_representative_email"][0]
    assert b"An account with this e-mail address already exists." in response.content
    assert count_rows() == before and mailoutbox == []


def test_joining_with_a_wrong_facility_code_is_refused_and_creates_nothing(client, mailoutbox):
    FacilityFactory()
    before = count_rows()
    response = client.post(
        reverse("account_signup"),
        {"first_name": "A", "last_name": "B", "email": "x@hospital.example", "facility_code": "AAAA-BBBB-CCCC",
         "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert b"No facility has this code" in response.content
    assert count_rows() == before and mailoutbox == []


def test_joining_with_an_email_that_has_an_account_creates_nothing_and_tells_its_owner(client, mailoutbox):
    """allauth's protection against account enumeration: the form does not reveal the address is taken."""
    facility = FacilityFactory()
    before = count_rows()
    client.post(
        reverse("account_signup"),
        {"first_name": "A", "last_name": "B", "email": facility.deputy_representative.email,
         "facility_code": facility.code, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert count_rows() == before
    assert mailoutbox[-1].to == [facility.deputy_representative.email]
    assert "already" in mailoutbox[-1].subject.lower() or "already" in mailoutbox[-1].body.lower()
