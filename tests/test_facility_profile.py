import pytest
from django.urls import reverse

from facilities.models import AuditEntry

pytestmark = pytest.mark.django_db

PROFILE = {
    "name": "Renamed IO Unit", "institution": "General Hospital", "service_line": "IR", "address": "2 New Street",
    "postal_code": "1010", "city": "Vienna", "country": "AT", "phone": "+43 1 1",
}


@pytest.mark.parametrize("role", ["rep", "holder"])
def test_representative_and_main_account_holder_edit_the_profile_and_it_is_audited(client, registered, role):
    user = getattr(registered, role)
    client.force_login(user)
    assert b"Edit facility profile" in client.get(reverse("facilities:profile")).content

    response = client.post(reverse("facilities:profile_edit"), PROFILE)

    assert response.status_code == 302
    registered.facility.refresh_from_db()
    assert registered.facility.name == "Renamed IO Unit"
    entry = AuditEntry.objects.get(action="facility.profile_updated")
    assert entry.actor == user
    assert entry.changes["name"][1] == "Renamed IO Unit"
    assert entry.changes["institution"][1] == "General Hospital"


@pytest.mark.parametrize("role", ["deputy", "member"])
def test_deputy_and_members_see_the_profile_but_cannot_change_it(client, registered, role):
    client.force_login(getattr(registered, role))
    page = client.get(reverse("facilities:profile"))
    assert page.status_code == 200 and registered.facility.name.encode() in page.content
    assert b"Edit facility profile" not in page.content

    assert client.get(reverse("facilities:profile_edit")).status_code == 403
    assert client.post(reverse("facilities:profile_edit"), PROFILE).status_code == 403
    registered.facility.refresh_from_db()
    assert registered.facility.name != "Renamed IO Unit"
    assert not AuditEntry.objects.filter(action="facility.profile_updated").exists()


def test_an_invalid_profile_edit_shows_the_error_and_changes_nothing(client, registered):
    client.force_login(registered.rep)
    response = client.post(reverse("facilities:profile_edit"), {**PROFILE, "name": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    registered.facility.refresh_from_db()
    assert registered.facility.name != "" and registered.facility.institution != "General Hospital"
