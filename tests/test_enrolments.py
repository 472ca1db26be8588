"""A facility enrolled in several programmes: each enrolment has its own status, invoices, application, award and
directory entry, and the dashboard shows each."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, EnrolmentDeclaration, Programme
from facilities.models import AuditEntry, Enrolment
from invoicing.models import Invoice
from invoicing.services import issue_annual_fee_invoices, record_payment

from .factories import FacilityFactory, enrolment_of
from .test_registration_requirements import SRS_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def srs_open():
    Programme.objects.filter(code="srs").update(is_open_for_registration=True)


def add_srs(client, people, answers=SRS_ANSWERS):
    client.force_login(people.rep)
    return client.post(reverse("facilities:add_enrolment_for", args=["srs"]), answers)


def pay_enrolment(enrolment, office_user):
    invoice = Invoice.objects.with_balance().get(enrolment=enrolment, kind=Invoice.Kind.ENROLMENT)
    record_payment(invoice, office_user, paid_on=timezone.localdate(), amount=invoice.total, reference=f"PAY-{invoice.pk}")


def test_an_io_centre_adds_srs_which_is_billed_and_opened_on_its_own(client, enrolled, office_user):
    client.force_login(enrolled.rep)
    assert "Enrol in another programme" in client.get(reverse("facilities:dashboard")).content.decode()
    assert "SRS certification" in client.get(reverse("facilities:add_enrolment")).content.decode()

    response = add_srs(client, enrolled)

    assert response.status_code == 302 and response["Location"] == reverse("facilities:dashboard")
    io, srs = enrolment_of(enrolled.facility, "io"), enrolment_of(enrolled.facility, "srs")
    assert (io.status, srs.status) == (Enrolment.Status.ENROLLED, Enrolment.Status.REGISTERED)
    assert Invoice.objects.filter(enrolment=srs, kind=Invoice.Kind.ENROLMENT).count() == 1
    assert EnrolmentDeclaration.objects.filter(facility=enrolled.facility, programme__code="srs").count() == len(SRS_ANSWERS)
    assert AuditEntry.objects.filter(facility=enrolled.facility, action="enrolment.added").exists()
    # Until its invoice is paid, SRS's pages say so; IO's application is untouched.
    assert "not open yet" in client.get("/facility/srs/application/").content.decode()
    assert client.get("/facility/application/").status_code == 200

    pay_enrolment(srs, office_user)

    assert enrolment_of(enrolled.facility, "srs").status == Enrolment.Status.ENROLLED
    srs_page = client.get("/facility/srs/application/").content.decode()
    io_application, srs_application = (Application.objects.get(enrolment=e) for e in (io, srs))
    assert io_application.question_set.programme.code == "io" and srs_application.question_set.programme.code == "srs"
    assert srs_application.question_set.standards.first().title in srs_page
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert io.programme.full_name in dashboard and srs.programme.full_name in dashboard
    assert "/facility/srs/application/" in dashboard


def test_each_enrolment_is_a_row_of_the_directory_and_pays_its_own_annual_fee(client, enrolled, office_user):
    add_srs(client, enrolled)
    pay_enrolment(enrolment_of(enrolled.facility, "srs"), office_user)
    Enrolment.objects.filter(facility=enrolled.facility, programme__code="io").update(
        status=Enrolment.Status.ACCREDITED, award_expires_on=timezone.localdate() + timedelta(days=400))

    client.logout()  # the directory as anyone reads it
    rows = client.get(reverse("directory")).content.decode().split(enrolled.facility.name)[1:]
    assert len(rows) == 2
    assert "IO accreditation" in rows[0] and "Accredited centre" in rows[0]
    assert "SRS certification" in rows[1] and "Enrolled centre" in rows[1]

    next_year = timezone.localdate().year + 1
    billed = issue_annual_fee_invoices(next_year)
    assert {invoice.enrolment.programme.code for invoice in billed if invoice.facility == enrolled.facility} == {"io", "srs"}
    assert issue_annual_fee_invoices(next_year) == []  # once per enrolment and year


def test_only_the_authorised_representative_adds_a_programme_and_only_once(client, enrolled):
    for person in (enrolled.member, enrolled.deputy, enrolled.holder):
        client.force_login(person)
        assert client.post(reverse("facilities:add_enrolment_for", args=["srs"]), SRS_ANSWERS).status_code == 403
    assert add_srs(client, enrolled).status_code == 302
    # Enrolled now: the programme is no longer offered, and a second post changes nothing.
    assert add_srs(client, enrolled).status_code == 404
    offered = client.get(reverse("facilities:add_enrolment")).content.decode()
    assert reverse("facilities:add_enrolment_for", args=["srs"]) not in offered and "every programme" in offered
    assert Enrolment.objects.filter(facility=enrolled.facility).count() == 2


def test_an_unmet_requirement_is_named_and_enrols_nothing(client, enrolled):
    response = add_srs(client, enrolled, {**SRS_ANSWERS, "srs_platform": ""})
    assert response.status_code == 200 and "Name the treatment platform" in response.content.decode()
    assert not Enrolment.objects.filter(facility=enrolled.facility, programme__code="srs").exists()
    assert not Invoice.objects.filter(facility=enrolled.facility, enrolment__programme__code="srs").exists()


def test_a_programme_closed_to_enrolment_is_not_offered(client, enrolled):
    Programme.objects.filter(code="srs").update(is_open_for_registration=False)
    assert add_srs(client, enrolled).status_code == 404


def test_the_office_sees_each_enrolment_of_a_facility(client, enrolled, office_user):
    FacilityFactory(name="Only registered")
    add_srs(client, enrolled)
    client.force_login(office_user)
    listing = client.get(reverse("office:facilities"), {"status": "registered"}).content.decode()
    assert enrolled.facility.name in listing and "SRS certification: Registered" in listing
    assert "IO accreditation: Enrolled centre" in listing and "Only registered" in listing
    start = client.get(reverse("office:attention")).content.decode()
    assert enrolled.facility.name in start.split("Registered, enrolment not yet paid")[1].split("</section>")[0]
