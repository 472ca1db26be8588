import pytest
from django.urls import reverse

from facilities.models import AuditEntry, Facility

from .factories import FacilityFactory

pytestmark = pytest.mark.django_db


def test_office_lists_facilities_by_status_and_searches(client, office_user):
    FacilityFactory(name="Alpha Liver Centre", city="Graz")
    FacilityFactory(name="Beta Oncology", status=Facility.Status.ENROLLED)
    client.force_login(office_user)

    page = client.get(reverse("office:facilities"))
    assert b"Alpha Liver Centre" in page.content and b"Beta Oncology" in page.content

    enrolled = client.get(reverse("office:facilities"), {"status": "enrolled"})
    assert b"Beta Oncology" in enrolled.content and b"Alpha Liver Centre" not in enrolled.content

    found = client.get(reverse("office:facilities"), {"q": "graz"})
    assert b"Alpha Liver Centre" in found.content and b"Beta Oncology" not in found.content


def test_office_facility_page_shows_people_and_roles(client, office_user, registered):
    client.force_login(office_user)
    page = client.get(reverse("office:facility", args=[registered.facility.pk])).content.decode()
    for person in (registered.rep, registered.deputy, registered.holder, registered.member):
        assert person.email in page
    assert "Deputy authorised representative" in page and registered.facility.code in page


def test_recording_the_payment_enrols_the_facility_records_who_and_emails_staff(
    client, office_user, registered, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    url = reverse("office:enrol", args=[registered.facility.pk])
    assert b"cannot be undone" in client.get(url).content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"paid_on": "2026-11-20", "payment_reference": "BANK-4411"})

    assert response.status_code == 302
    registered.facility.refresh_from_db()
    assert registered.facility.status == Facility.Status.ENROLLED
    entry = AuditEntry.objects.get(action="facility.status.enrolled")
    assert entry.actor == office_user
    assert entry.changes["status"] == ["registered", "enrolled"]
    assert entry.changes["payment_reference"] == "BANK-4411"
    assert {address for m in mailoutbox for address in m.to} == {registered.rep.email, registered.deputy.email, registered.holder.email, registered.member.email}
    history = client.get(reverse("office:facility", args=[registered.facility.pk])).content.decode()
    assert "BANK-4411" in history and "Record payment / mark enrolled" not in history


def test_enrolling_twice_is_refused_with_a_message(client, office_user, enrolled):
    client.force_login(office_user)
    response = client.post(
        reverse("office:enrol", args=[enrolled.facility.pk]), {"paid_on": "2026-11-20", "payment_reference": "X"}, follow=True
    )
    assert b"already past registration" in response.content
    assert not AuditEntry.objects.filter(action__startswith="facility.status").exists()


def test_a_payment_dated_in_the_future_is_refused(client, office_user, registered):
    client.force_login(office_user)
    response = client.post(
        reverse("office:enrol", args=[registered.facility.pk]), {"paid_on": "2099-01-01", "payment_reference": "X"}
    )
    assert response.status_code == 200 and b"in the future" in response.content
    registered.facility.refresh_from_db()
    assert registered.facility.status == Facility.Status.REGISTERED
