"""Registration keeps people's accounts their own: it reveals no account, binds no one, and names people.

Rules: registration binds nobody. A new address gets an account that joins the facility, with its roles,
only when its owner activates it. An existing account joins only when its owner accepts, and only while
it belongs to no other facility (and is not an office account); otherwise its owner is told why it cannot.
"""
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from facilities.models import Appointment, AuditEntry, Facility, Membership, User
from accreditation.forms import refuse_control_characters

from .conftest import sign_in
from .factories import PASSWORD, AssessorFactory, FacilityFactory, OfficeUserFactory, UserFactory
from .test_registration import activate, activation_link, person_data, registration_data

pytestmark = pytest.mark.django_db

REP = "rep@stelsewhere.example"


def register(client, **overrides):
    return client.post(reverse("register_facility"), registration_data(**overrides), follow=True)


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def without_csrf_token(content):
    """The page as a person reads it: the CSRF token differs on every response."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return re.sub(rb'"X-CSRFToken": "[^"]+"', b"", content)


# The page does not reveal which addresses have accounts.


def test_the_registration_page_answers_the_same_whether_or_not_an_address_has_an_account(client):
    fresh = register(client)
    UserFactory(email="taken@stelsewhere.example")
    client.session.flush()
    taken = register(
        client,
        **person_data("authorised_representative", "Róisín", "Byrne", "taken@stelsewhere.example", "+353 1 555 0101"),
        **person_data("main_account_holder", "Róisín", "Byrne", "taken@stelsewhere.example", "+353 1 555 0101"),
    )
    assert fresh.redirect_chain == taken.redirect_chain == [(reverse("registered"), 302)]
    assert without_csrf_token(fresh.content) == without_csrf_token(taken.content)
    assert b"already" not in taken.content


def test_an_existing_account_is_not_taken_by_a_registration_and_its_owner_is_told(client):
    assessor = AssessorFactory(email=REP)
    register(client)
    facility = Facility.objects.get(name="Liver Tumour Unit")

    assert not Membership.objects.filter(user=assessor).exists()
    assert facility.authorised_representative is None and facility.main_account_holder is None
    (told,) = mails_to(REP)
    assert "already has an account" in told.body
    assert "named your e-mail address as its authorised representative and main account holder" in told.body
    assert reverse("accept_appointment", args=[Appointment.objects.get(user=assessor).pk]) in told.body
    assert "reset/key" not in told.body  # no activation link: the password stays the owner's
    assert assessor.first_name != "Róisín"  # the registration does not rename an existing account
    User.objects.get(pk=assessor.pk).check_password(PASSWORD)


def test_the_owner_of_a_free_account_accepts_and_takes_up_the_roles(client, django_capture_on_commit_callbacks):
    assessor = AssessorFactory(email=REP)
    register(client)
    facility = Facility.objects.get(name="Liver Tumour Unit")
    appointment = Appointment.objects.get(user=assessor)

    client.logout()
    sign_in(client, assessor.email)
    page = client.get(reverse("accept_appointment", args=[appointment.pk]))
    assert b"Accept the appointment" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accept_appointment", args=[appointment.pk]))
    assert response.status_code == 302

    facility.refresh_from_db()
    assert assessor.membership.facility == facility
    assert facility.authorised_representative == facility.main_account_holder == assessor
    assert facility.deputy_representative is None  # the deputy has not activated yet
    assert AuditEntry.objects.filter(facility=facility, action="facility.appointment_taken_up", actor=assessor).exists()
    # Taking up the main account holder's role brings the facility code, with readable roles.
    (code_mail,) = [m for m in mails_to(REP) if facility.code in m.body]
    assert "Róisín Byrne: authorised representative and main account holder" in code_mail.body
    assert "[" not in code_mail.body


def test_an_account_of_another_facility_is_never_taken_and_its_owner_learns_why(client):
    other = FacilityFactory()
    person = other.deputy_representative
    register(
        client,
        **person_data("deputy_representative", "Declan", "Walsh", person.email, "+353 1 555 0102"),
    )
    facility = Facility.objects.get(name="Liver Tumour Unit")
    appointment = Appointment.objects.get(user=person)

    (told,) = mails_to(person.email)
    assert "already belongs to another facility" in told.body
    assert reverse("accept_appointment", args=[appointment.pk]) not in told.body

    sign_in(client, person.email)
    response = client.post(reverse("accept_appointment", args=[appointment.pk]))
    assert response.status_code == 200
    assert b"already belongs to another facility" in response.content
    person.refresh_from_db()
    facility.refresh_from_db()
    assert person.membership.facility == other and facility.deputy_representative is None
    assert Facility.objects.get(pk=other.pk).deputy_representative == person


def test_an_office_account_cannot_take_up_a_facility_role(client):
    office = OfficeUserFactory(email=REP)
    register(client)
    appointment = Appointment.objects.get(user=office)
    assert "office account cannot hold a role" in mails_to(REP)[0].body
    sign_in(client, office.email)
    client.post(reverse("accept_appointment", args=[appointment.pk]))
    assert not Membership.objects.filter(user=office).exists()


def test_only_the_appointed_person_finds_the_acceptance_page(client):
    AssessorFactory(email=REP)
    register(client)
    appointment = Appointment.objects.get(user__email=REP)
    stranger = UserFactory()
    sign_in(client, stranger.email)
    assert client.post(reverse("accept_appointment", args=[appointment.pk])).status_code == 404
    assert not Membership.objects.filter(user__email=REP).exists()


# A new address is bound only when its owner activates the account.


def test_a_new_address_joins_the_facility_only_when_its_owner_activates(client, django_capture_on_commit_callbacks):
    register(client)
    facility = Facility.objects.get()
    rep = User.objects.get(email=REP)
    assert not Membership.objects.exists()
    assert (facility.authorised_representative, facility.deputy_representative, facility.main_account_holder) == (None,) * 3
    assert not rep.has_usable_password()

    with django_capture_on_commit_callbacks(execute=True):
        activate(client, mails_to(REP)[0])
    facility.refresh_from_db()
    assert rep.membership.facility == facility
    assert facility.authorised_representative == facility.main_account_holder == rep
    assert facility.code in mails_to(REP)[-1].body


def test_an_account_named_by_two_registrations_joins_only_the_first(client):
    register(client)
    register(client, name="Second Unit", institution="Elsewhere Clinic")
    first, second = Facility.objects.get(name="Liver Tumour Unit"), Facility.objects.get(name="Second Unit")
    rep = User.objects.get(email=REP)
    assert len(mails_to(REP)) == 2  # an activation link, then the notice of the second registration

    activate(client, mails_to(REP)[0])
    first.refresh_from_db()
    second.refresh_from_db()
    assert rep.membership.facility == first and first.authorised_representative == rep
    assert second.authorised_representative is None
    assert Appointment.objects.get(facility=second, user=rep).taken_up_at is None


# Activation: one friendly step, and a dead link offers a new one.


def test_activation_is_one_step_with_the_name_from_registration_and_confirms_the_address(client):
    register(client)
    page = client.get(activation_link(mails_to("deputy@stelsewhere.example")[0]), follow=True)
    assert b"Activate your account" in page.content and b"Change Password" not in page.content
    form = page.context["form"]
    assert (form["first_name"].value(), form["last_name"].value(), form["phone"].value()) == (
        "Declan", "Walsh", "+353 1 555 0102"
    )
    response = activate(client, mails_to("deputy@stelsewhere.example")[0], first_name="Declan J.")
    assert response.status_code == 302
    deputy = User.objects.get(email="deputy@stelsewhere.example")
    assert str(deputy) == "Declan J. Walsh" and deputy.check_password("a-new-secret-77")
    assert EmailAddress.objects.get(user=deputy).verified
    assert client.get(reverse("facilities:dashboard")).status_code == 200  # signed in


def test_an_opened_but_unused_activation_link_still_works(client):
    register(client)
    message = mails_to("deputy@stelsewhere.example")[0]
    client.get(activation_link(message), follow=True)  # opened, then the tab was closed
    client.session.flush()
    assert activate(client, message).status_code == 302
    assert User.objects.get(email="deputy@stelsewhere.example").has_usable_password()


def test_a_used_or_expired_link_offers_a_new_one_with_the_same_answer_for_any_address(client, settings):
    register(client)
    message = mails_to("deputy@stelsewhere.example")[0]
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link has expired
    page = client.get(activation_link(message), follow=True)
    assert b"This link no longer works" in page.content
    assert reverse("account_reset_password").encode() in page.content
    settings.PASSWORD_RESET_TIMEOUT = 3600

    known = client.post(reverse("account_reset_password"), {"email": "deputy@stelsewhere.example"}, follow=True)
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@stelsewhere.example"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert without_csrf_token(known.content) == without_csrf_token(unknown.content)
    new_link = mails_to("deputy@stelsewhere.example")[-1]
    assert new_link.subject.endswith("Activate your account")
    assert activate(client, new_link).status_code == 302

    client.logout()
    used = client.get(activation_link(new_link), follow=True)
    assert b"This link no longer works" in used.content


# People have names: pages and e-mails show them.


def test_the_staff_list_names_people_and_their_phones_including_those_not_yet_active(client):
    register(client)
    activate(client, mails_to(REP)[0])
    page = client.get(reverse("facilities:profile")).content.decode()
    assert "Róisín Byrne" in page and "+353 1 555 0101" in page
    assert "Declan Walsh" in page and "Deputy authorised representative" in page and "not yet taken up" in page


def test_a_message_to_the_office_is_signed_with_the_authors_name(django_capture_on_commit_callbacks):
    from correspondence.services import send_message

    facility = FacilityFactory()
    with django_capture_on_commit_callbacks(execute=True):
        send_message(facility, facility.deputy_representative, "Hello")
    body = mail.outbox[-1].body
    assert f"{facility.deputy_representative.get_full_name()} of {facility.name} wrote" in body


# One-line fields refuse line breaks and control characters.


@pytest.mark.parametrize("field", ["authorised_representative_first_name", "deputy_representative_last_name",
                                   "main_account_holder_phone"])
@pytest.mark.parametrize("bad", ["Ann\nBcc: x@evil.example", "An\rn", "An\tn", "An\x1bn", "An\u2028n"])
def test_names_and_phones_refuse_line_breaks_and_control_characters(client, field, bad):
    response = client.post(reverse("register_facility"), registration_data(**{field: bad}))
    assert response.status_code == 200
    assert "on one line" in response.context["form"].errors[field][0]
    assert not Facility.objects.exists() and not User.objects.exists() and mail.outbox == []


def test_the_activation_page_refuses_a_name_with_a_line_break(client):
    register(client)
    response = activate(client, mails_to(REP)[0], last_name="Byrne\nX")
    assert response.status_code == 200 and "on one line" in response.context["form"].errors["last_name"][0]
    assert not User.objects.get(email=REP).has_usable_password()


def test_single_line_accepts_ordinary_names():
    for value in ("Zoë O'Brien-Núñez", "+43 (1) 555-0100 ext. 7", "محمد"):
        refuse_control_characters(value)


def test_one_address_given_for_two_roles_must_come_with_one_name(client):
    response = client.post(
        reverse("register_facility"),
        registration_data(main_account_holder_first_name="Rose"),
    )
    assert "another name" in response.context["form"].errors["main_account_holder_email"][0]
    assert not Facility.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_appointments_accepted_at_once_bind_the_account_to_one_facility_only():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from facilities import services

    from .factories import AppointmentFactory

    person = AssessorFactory()
    appointments = [AppointmentFactory(user=person), AppointmentFactory(user=person)]

    def accept(appointment):
        try:
            return services.take_up_appointment(appointment)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        refusals = list(pool.map(accept, appointments))
    assert sorted(refusal is None for refusal in refusals) == [False, True]
    assert Membership.objects.filter(user=person).count() == 1
    assert Appointment.objects.filter(taken_up_at__isnull=False).count() == 1
