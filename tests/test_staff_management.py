"""People and the facility code: who may appoint, remove and replace, what is recorded and told, and who sees the code."""
import re
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from facilities import services
from facilities.forms import FacilityProfileForm
from facilities.models import AuditEntry, Enrolment, Facility, Membership, User

from .conftest import body_of
from .factories import PASSWORD, FacilityFactory, MembershipFactory, OfficeUserFactory, enrolment_of
from .test_permission_matrix import MATRIX, world  # noqa: F401 (the matrix's world is a fixture)
from .test_registration import registration_data

pytestmark = pytest.mark.django_db

ROLES = ["authorised_representative", "deputy_representative", "main_account_holder"]


def manager(people, who):
    """One of those who may manage a facility's people, and how their URLs are made (staff's or office's)."""
    if who == "office":
        return OfficeUserFactory(), lambda name, *args: reverse(f"office:{name}", args=[people.facility.pk, *args])
    return getattr(people, who), lambda name, *args: reverse(f"facilities:{name}", args=args)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what the services queue for after their commit (e-mails), as the portal would: a test never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def audit_entries(facility, action):
    return list(AuditEntry.objects.filter(facility=facility, action=action))


def signup(client, code, email="newcomer@hospital.example"):
    return client.post(
        reverse("account_signup"),
        {"first_name": "New", "last_name": "Comer", "email": email, "facility_code": code,
         "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.parametrize("who", ["rep", "holder", "office"])
@pytest.mark.parametrize("role", ROLES)
def test_a_role_passes_to_another_member_recorded_and_told_to_both(client, registered, mailoutbox, committing, who, role):
    actor, url = manager(registered, who)
    facility = registered.facility
    previous = getattr(facility, role)
    client.force_login(actor)

    with committing():
        response = client.post(url("appoint_role"), {"role": role, "person": registered.member.pk})

    assert response.status_code == 302
    facility.refresh_from_db()
    assert getattr(facility, role) == registered.member
    [entry] = audit_entries(facility, "facility.role_appointed")
    assert entry.actor == actor and entry.changes == {role: [previous.email, registered.member.email]}
    [mail] = mailoutbox
    assert sorted(mail.to) == sorted([previous.email, registered.member.email])
    assert services.role_label(role).lower() in mail.subject
    assert facility.code not in mail.body  # neither may be entitled to it
    page = client.get(response["Location"]).content.decode()
    assert "is now the" in page


def test_one_person_may_hold_several_roles_and_then_the_old_holder_can_leave(client, registered, mailoutbox):
    client.force_login(registered.rep)
    url = reverse("facilities:appoint_role")
    client.post(url, {"role": "main_account_holder", "person": registered.rep.pk})
    client.post(url, {"role": "deputy_representative", "person": registered.rep.pk})
    facility = Facility.objects.get(pk=registered.facility.pk)
    assert facility.authorised_representative == facility.deputy_representative == facility.main_account_holder

    response = client.post(reverse("facilities:remove_member", args=[registered.holder.pk]))

    assert response.status_code == 302
    assert not Membership.objects.filter(user=registered.holder).exists()


def test_the_role_form_offers_only_members_and_refuses_anyone_else(client, registered):
    outsider = FacilityFactory().authorised_representative
    client.force_login(registered.rep)
    page = client.get(reverse("facilities:appoint_role") + "?role=deputy_representative").content.decode()
    assert registered.member.email in page and outsider.email not in page
    assert re.search(r'<option value="deputy_representative" selected>', page)

    response = client.post(reverse("facilities:appoint_role"), {"role": "deputy_representative", "person": outsider.pk})

    assert response.status_code == 200
    assert response.context["form"].errors["person"]
    assert Facility.objects.get(pk=registered.facility.pk).deputy_representative == registered.deputy
    assert not audit_entries(registered.facility, "facility.role_appointed")


def test_appointing_the_person_who_already_holds_the_role_changes_nothing(client, registered, mailoutbox):
    client.force_login(registered.holder)
    response = client.post(reverse("facilities:appoint_role"), {"role": "deputy_representative", "person": registered.deputy.pk})
    assert response.status_code == 200
    assert "already is the deputy authorised representative" in response.content.decode()
    assert mailoutbox == [] and not audit_entries(registered.facility, "facility.role_appointed")


@pytest.mark.parametrize("who", ["rep", "holder", "office"])
def test_removing_a_member_asks_first_then_records_and_tells_them(client, registered, mailoutbox, committing, who):
    actor, url = manager(registered, who)
    client.force_login(actor)
    confirm = client.get(url("remove_member", registered.member.pk))
    assert "This cannot be undone" in confirm.content.decode()
    assert Membership.objects.filter(user=registered.member).exists()  # opening the page removes nobody

    with committing():
        response = client.post(url("remove_member", registered.member.pk))

    assert response.status_code == 302
    assert not Membership.objects.filter(user=registered.member).exists()
    [entry] = audit_entries(registered.facility, "facility.member_removed")
    assert entry.actor == actor and entry.changes == {"member": [registered.member.email, None]}
    [mail] = mailoutbox
    assert mail.to == [registered.member.email] and registered.facility.code not in mail.body
    client.force_login(registered.member)
    assert client.get(reverse("facilities:dashboard")).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_removing_a_role_holder_is_refused_until_someone_else_is_appointed(client, registered, mailoutbox, committing, role):
    holder = getattr(registered.facility, role)
    client.force_login(OfficeUserFactory())
    url = reverse("office:remove_member", args=[registered.facility.pk, holder.pk])
    assert "Appoint someone else first" in client.get(url).content.decode()

    with committing():
        response = client.post(url, follow=True)

    assert "appoint someone else first" in response.content.decode()
    assert Membership.objects.filter(user=holder, facility=registered.facility).exists()
    assert mailoutbox == [] and not audit_entries(registered.facility, "facility.member_removed")


@pytest.mark.parametrize("who", ["rep", "holder", "office"])
def test_a_new_facility_code_replaces_the_old_one_at_once(client, registered, mailoutbox, committing, who):
    actor, url = manager(registered, who)
    old_code = registered.facility.code
    client.force_login(actor)
    confirm = client.get(url("new_code"))
    assert "This cannot be undone" in confirm.content.decode()
    assert Facility.objects.get(pk=registered.facility.pk).code == old_code  # opening the page changes nothing

    with committing():
        client.post(url("new_code"))

    new_code = Facility.objects.get(pk=registered.facility.pk).code
    assert new_code != old_code
    [entry] = audit_entries(registered.facility, "facility.code_replaced")
    assert entry.actor == actor and entry.changes == {"code": [old_code, new_code]}
    # The code goes to those who may see it, and to nobody else.
    [mail] = mailoutbox
    assert sorted(mail.to) == sorted([registered.rep.email, registered.holder.email]) and new_code in mail.body
    client.logout()
    refused = signup(client, old_code)
    assert refused.status_code == 200 and "No facility has this code" in refused.content.decode()
    assert signup(client, new_code, email="second@hospital.example").status_code == 302
    assert User.objects.get(email="second@hospital.example").membership.facility == registered.facility
    assert not User.objects.filter(email="newcomer@hospital.example").exists()


@pytest.mark.parametrize("who", ["deputy", "member"])
def test_other_members_see_the_people_without_actions_and_cannot_act(client, registered, mailoutbox, who):
    client.force_login(getattr(registered, who))
    page = client.get(reverse("facilities:profile")).content.decode()
    assert registered.member.email in page and "Main account holder" in page
    assert "Remove" not in page and reverse("facilities:new_code") not in page
    assert reverse("facilities:appoint_role") not in page

    code = registered.facility.code
    assert client.post(reverse("facilities:appoint_role"), {"role": "authorised_representative",
                                                            "person": registered.member.pk}).status_code == 403
    assert client.post(reverse("facilities:remove_member", args=[registered.member.pk])).status_code == 403
    assert client.post(reverse("facilities:new_code")).status_code == 403

    facility = Facility.objects.get(pk=registered.facility.pk)
    assert facility.code == code and facility.authorised_representative == registered.rep
    assert Membership.objects.filter(user=registered.member).exists() and mailoutbox == []


def test_managers_see_the_actions_on_the_people_pages(client, registered):
    client.force_login(registered.holder)
    page = client.get(reverse("facilities:profile")).content.decode()
    assert reverse("facilities:remove_member", args=[registered.member.pk]) in page
    assert reverse("facilities:new_code") in page
    client.force_login(OfficeUserFactory())
    page = client.get(reverse("office:facility", args=[registered.facility.pk])).content.decode()
    assert reverse("office:remove_member", args=[registered.facility.pk, registered.member.pk]) in page
    assert reverse("office:appoint_role", args=[registered.facility.pk]) in page


def test_another_facilitys_member_is_not_found(client, registered):
    stranger = MembershipFactory().user
    client.force_login(registered.rep)
    assert client.post(reverse("facilities:remove_member", args=[stranger.pk])).status_code == 404
    assert Membership.objects.filter(user=stranger).exists()


# The facility code is for the authorised representative, the main account holder and the office.


def test_the_code_is_in_no_file_name_title_or_page_of_those_not_entitled(client, world):  # noqa: F811
    code = world.a.facility.code
    failures = []
    for url_name, (kwargs_of, _expected) in sorted(MATRIX.items()):
        url = reverse(url_name, kwargs=kwargs_of(world))
        for role in ("member", "deputy", "rep"):
            client.force_login(world.users[role])
            response = client.get(url)
            if code in response.get("Content-Disposition", ""):
                failures.append(f"{url_name}: file name for {role}")
            if response.get("Content-Type", "").startswith("text/html"):
                title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
                if title and code in title.group(1):
                    failures.append(f"{url_name}: page title for {role}")
            if role != "rep" and code.encode() in body_of(response):
                failures.append(f"{url_name}: shown to {role}")
    assert not failures


def test_the_case_review_export_is_named_without_the_code(client, application, enrolled):
    client.force_login(enrolled.member)
    for name in ("casereview:export_csv", "casereview:export_pdf"):
        disposition = client.get(reverse(name))["Content-Disposition"]
        assert disposition.startswith("attachment") and enrolled.facility.code not in disposition


def mails_naming(codes, mailoutbox):
    return [mail for mail in mailoutbox if any(code in mail.subject + mail.body for code in codes)]


def test_registration_e_mails_the_code_only_to_those_entitled(client, mailoutbox, committing):
    """No e-mail of the registration names the code; the main account holder receives it on taking up the role."""
    client.post(reverse("register_facility"), registration_data(main_account_holder_email="holder@stelsewhere.example"))
    facility = Facility.objects.get()
    assert mails_naming([facility.code], mailoutbox) == []

    holder = User.objects.get(email="holder@stelsewhere.example")
    with committing():
        services.activate_account(holder, password=PASSWORD, first_name="Hana", last_name="Novak", phone="+43 1 555")
    [with_code] = mails_naming([facility.code], mailoutbox)
    assert with_code.to == ["holder@stelsewhere.example"]


def test_changes_to_people_e_mail_the_code_only_to_those_entitled(registered, mailoutbox, committing):
    """A role change, a new code and a removal: only the new code's e-mail names a code, sent to entitled roles."""
    office = OfficeUserFactory()
    old_code = registered.facility.code
    with committing():
        services.appoint_to_role(registered.facility, "deputy_representative", registered.member, office)
        services.issue_new_facility_code(registered.facility, office)
        services.remove_member(registered.facility, registered.deputy, office)
    new_code = Facility.objects.get(pk=registered.facility.pk).code

    assert len(mailoutbox) == 3
    [with_code] = mails_naming([old_code, new_code], mailoutbox)
    assert sorted(with_code.to) == sorted([registered.rep.email, registered.holder.email])


# Every state-changing service re-reads and locks the facility row it guards.


def test_a_profile_edit_keeps_a_status_change_made_meanwhile(registered):
    """The office records the payment while a profile form is open: saving the form keeps the enrolment."""
    stale = Facility.objects.get(pk=registered.facility.pk)
    data = {name: getattr(stale, name) for name in FacilityProfileForm.Meta.fields} | {"phone": "+43 1 999 0000"}
    form = FacilityProfileForm(data, instance=stale)
    assert form.is_valid()
    Enrolment.objects.filter(facility=stale).update(status=Enrolment.Status.ENROLLED)  # as enrol_facility does meanwhile

    services.update_facility_profile(stale, form, registered.rep)

    facility = Facility.objects.get(pk=stale.pk)
    assert enrolment_of(facility).status == Enrolment.Status.ENROLLED and facility.phone == "+43 1 999 0000"


def in_thread(work):
    """Run ``work`` on its own database connection; the thread and what it returned or raised."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as error:  # noqa: BLE001 (handed back to the test)
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.django_db(transaction=True)
def test_removing_a_member_waits_for_an_appointment_in_progress_and_is_then_refused():
    facility = FacilityFactory()
    member = MembershipFactory(facility=facility).user
    office = OfficeUserFactory()

    with transaction.atomic():
        services.appoint_to_role(facility, "deputy_representative", member, office)
        thread, outcome = in_thread(lambda: services.remove_member(facility, member, office))
        thread.join(timeout=0.5)
        assert thread.is_alive()  # waiting for the facility row
    thread.join(timeout=10)

    assert "appoint someone else first" in str(outcome.get("error"))
    facility.refresh_from_db()
    assert facility.deputy_representative == member
    assert Membership.objects.filter(facility=facility, user=member).exists()


@pytest.mark.django_db(transaction=True)
def test_joining_with_a_code_replaced_meanwhile_is_refused(client):
    from django.test import Client

    facility = FacilityFactory()
    old_code = facility.code
    office = OfficeUserFactory()

    with transaction.atomic():
        services.issue_new_facility_code(facility, office)
        thread, outcome = in_thread(lambda: signup(Client(), old_code))
        thread.join(timeout=1)
        assert thread.is_alive()  # past the form's check of the old code, waiting for the facility row
    thread.join(timeout=10)

    response = outcome.get("result")
    assert response is not None, outcome.get("error")
    assert "This facility code has been replaced" in response.content.decode()
    assert response.status_code == 200 and not User.objects.filter(email="newcomer@hospital.example").exists()
    assert not Membership.objects.filter(facility=facility).exclude(
        user__in=[facility.authorised_representative, facility.deputy_representative, facility.main_account_holder]
    ).exists()
