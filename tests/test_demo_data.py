import pytest
from django.core.management import call_command
from django.test import Client

from accreditation.management.commands.load_demo_data import DEMO_TOTP_SECRET
from facilities.models import Enrolment, Facility, User

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def test_demo_data_loads_once_and_every_demo_login_works():
    call_command("load_demo_data")
    call_command("load_demo_data")  # make run calls it every time
    assert Facility.objects.count() == 2
    # Vienna paid its enrolment invoice and is enrolled; Lyon's invoices are still open.
    assert Facility.objects.get(city="Vienna").enrolments.get().status == Enrolment.Status.ENROLLED
    lyon = Facility.objects.get(city="Lyon")
    assert lyon.enrolments.get().status == Enrolment.Status.REGISTERED and lyon.invoices.count() == 2
    assert User.objects.filter(is_assessor=True).count() == 3
    assert Facility.objects.get(city="Vienna").consultation_requests.get().status == "requested"
    assert User.objects.filter(office_role="chairperson").count() == 1
    # People have names and phones: pages and e-mails name them, not their addresses.
    assert not User.objects.filter(first_name="").exists() and not User.objects.filter(phone="").exists()
    client = Client()
    for email, landing in [
        ("office@demo.example", "/office/"),
        ("assessor1@demo.example", "/assessor/"),
        ("member.vienna@demo.example", "/facility/"),
    ]:
        client.logout()
        # Office staff and assessors also enter the code of the README's authenticator secret.
        sign_in(client, email, "demo-portal-2026", DEMO_TOTP_SECRET)
        assert client.get("/").url == landing
    page = client.get("/facility/application/").content.decode()
    assert "5 of 28 core questions complete" in page
