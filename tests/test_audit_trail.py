"""The office reads the audit trail in its own language, whatever language the change was made in."""
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from facilities import audit
from facilities.models import AuditEntry, User
from facilities.services import enrol
from tests.factories import OfficeUserFactory, enrolment_of, issued_invoice

pytestmark = pytest.mark.django_db


def history_of(client, facility):
    page = client.get(reverse("office:facility", args=[facility.pk])).content.decode()
    return page.split('class="table history"')[1]


def test_the_history_reads_in_the_office_persons_language(client, registered):
    office_user = OfficeUserFactory()
    with translation.override("en"):  # the change is made by someone reading English
        issued_invoice(registered.facility)
        enrol(enrolment_of(registered.facility), office_user, paid_on=date(2026, 3, 2), payment_reference="BANK-4411")
    User.objects.filter(pk=office_user.pk).update(language="de")
    client.force_login(office_user)

    history = history_of(client, registered.facility)

    assert "Zahlung verbucht (BANK-4411); in IO accreditation aufgenommen" in history
    assert "Aufnahmegebühr" in history and "ausgestellt" in history  # the invoice's kind, a label, translated too
    assert "; enrolled in" not in history and "Enrolment fee" not in history


def test_an_entry_kept_before_summaries_were_translated_reads_as_it_was_written(client, registered):
    AuditEntry.objects.create(facility=registered.facility, action="facility.registered",
                              summary="Facility 100% IO registered (kept as written)")
    office_user = OfficeUserFactory(language="de")
    client.force_login(office_user)

    assert "Facility 100% IO registered (kept as written)" in history_of(client, registered.facility)


def test_a_list_of_roles_is_joined_in_the_readers_language(registered):
    entry = audit.record("facility.appointment_taken_up", "%(name)s took up the appointment as %(roles)s",
                         {"name": "Dr. Ana Kraus", "roles": [registered.facility.ROLES["authorised_representative"],
                                                             registered.facility.ROLES["main_account_holder"]]},
                         actor=None, facility=registered.facility)
    entry.refresh_from_db()
    with translation.override("en"):
        assert entry.summary_text() == (
            "Dr. Ana Kraus took up the appointment as authorised representative and main account holder")
    with translation.override("de"):
        assert entry.summary_text().startswith("Dr. Ana Kraus hat die Bestellung als bevollmächtigte/r Vertreter/in und ")
