import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from applications.models import Programme
from facilities.models import AuditEntry, Enrolment, Facility, Membership, User

from .factories import PASSWORD, FacilityFactory, enrolment_of

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
        "country": "IE",
        "phone": "+353 1 555 0100",
        "annual_procedures": "240",
        "head_of_department_approval": "on",
        **person_data("authorised_representative", "Róisín", "Byrne", "rep@stelsewhere.example", "+353 1 555 0101"),
        **person_data("deputy_representative", "Declan", "Walsh", "deputy@stelsewhere.example", "+353 1 555 0102"),
        **person_data("main_account_holder", "Róisín", "Byrne", "rep@stelsewhere.example", "+353 1 555 0101"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def person_data(role, first_name, last_name, email, phone):
    return {f"{role}_first_name": first_name, f"{role}_last_name": last_name, f"{role}_email": email, f"{role}_phone": phone}


def activation_link(message):
    return re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body).group(0)


def confirmation_link(message):
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def activate(client, message, password="a-new-secret-77", **names):
    """Open the activation link in ``message`` and submit the activation page; the response of the POST."""
    page = client.get(activation_link(message), follow=True)
    form = page.context["form"]
    data = {name: form[name].value() for name in ("first_name", "last_name", "phone")}
    data.update(names, password1=password, password2=password)
    return client.post(page.redirect_chain[-1][0], data)


def test_registration_creates_the_facility_and_sends_each_person_an_activation_link(client, mailoutbox):
    response = client.post(reverse("register_facility"), registration_data())

    assert response.status_code == 302
    facility = Facility.objects.get()
    assert enrolment_of(facility).status == Enrolment.Status.REGISTERED
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", facility.code)
    # One person holds two roles: two accounts, not three, with the names and phones given.
    rep, deputy = User.objects.get(email="rep@stelsewhere.example"), User.objects.get(email="deputy@stelsewhere.example")
    assert (str(rep), rep.phone, str(deputy)) == ("Róisín Byrne", "+353 1 555 0101", "Declan Walsh")
    assert sorted(m.to[0] for m in mailoutbox) == ["deputy@stelsewhere.example", "rep@stelsewhere.example"]
    assert all(m.subject.endswith("Activate your account") for m in mailoutbox)
    rep_mail = next(m for m in mailoutbox if m.to == [rep.email])
    assert "named you as its authorised representative and main account holder" in rep_mail.body
    assert facility.code not in rep_mail.body  # the code comes once the main account holder has taken up the role
    assert AuditEntry.objects.filter(facility=facility, action="facility.registered").exists()


def test_an_appointed_person_cannot_sign_in_before_activating_then_activates_in_one_step(client, mailoutbox):
    client.post(reverse("register_facility"), registration_data())
    deputy_mail = next(m for m in mailoutbox if m.to == ["deputy@stelsewhere.example"])

    # Not activated: no password yet, and sign-in is refused.
    response = client.post(reverse("account_login"), {"login": "deputy@stelsewhere.example", "password": "anything-at-all"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session

    response = activate(client, deputy_mail)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="deputy@stelsewhere.example").verified
    # Activation signs the person in.
    response = client.get(reverse("facilities:dashboard"))
    assert response.status_code == 200
    assert b"Liver Tumour Unit" in response.content
    assert b"Deputy authorised representative" in response.content

    client.logout()
    client.post(reverse("account_login"), {"login": "deputy@stelsewhere.example", "password": "a-new-secret-77"})
    assert client.get(reverse("facilities:dashboard")).status_code == 200


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

    client.get(confirmation_link(mailoutbox[-1]))
    client.post(reverse("account_login"), {"login": "nora@hospital.example", "password": PASSWORD})
    response = client.get(reverse("facilities:dashboard"))
    assert response.status_code == 200
    assert b"Member" in response.content
    assert facility.code.encode() not in response.content  # the code is for the appointed roles


def form_errors(response):
    """The page's errors by field: the facility's and people's, and the programme's requirements'."""
    return {**response.context["form"].errors, **response.context["requirements"].errors}


def count_rows():
    return (Facility.objects.count(), User.objects.count(), Membership.objects.count(), EmailAddress.objects.count())


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"deputy_representative_email": "not-an-email"}, "deputy_representative_email", "valid email"),
        ({"deputy_representative_last_name": ""}, "deputy_representative_last_name", "required"),
        ({"main_account_holder_phone": ""}, "main_account_holder_phone", "required"),
        ({"name": ""}, "name", "required"),
        # IO's registration requirements (programme data: applications.RegistrationRequirement).
        ({"head_of_department_approval": None}, "head_of_department_approval", "approval of your head of department"),
        ({"annual_procedures": "90"}, "annual_procedures", "at least 150 therapeutic IO procedures a year"),
        ({"annual_procedures": ""}, "annual_procedures", "at least 150"),
    ],
)
def test_bad_registration_input_gets_a_form_error_and_writes_nothing(client, mailoutbox, overrides, field, message):
    before = count_rows()
    response = client.post(reverse("register_facility"), registration_data(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in form_errors(response)[field])
    assert message in response.content.decode()
    assert count_rows() == before
    assert mailoutbox == []


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
