"""The API's pages in a real browser, under the Content-Security-Policy: its documentation, the browsable API,
and an office person's token from creation to revocation."""
import pytest

from tests.factories import PASSWORD, OfficeUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_documentation_runs_from_the_portals_own_files(page):
    page.goto("/api/v1/docs/")
    page.wait_for_selector("text=IO Accreditation Portal API")
    page.wait_for_selector("text=/api/v1/invoices/{id}/payments/")


def test_an_office_person_creates_a_token_reads_with_it_and_revokes_it(page, sign_in, live_server):
    office = OfficeUserFactory()
    sign_in(office.email, PASSWORD)
    page.goto("/office/")
    page.click("text=API tokens")
    page.click("text=Create a token")
    page.fill("input[name=name]", "Finance system")
    page.click("main button[type=submit]")
    key = page.input_value("#new-token")
    assert key.startswith("iop_")
    # The browsable API, signed in.
    page.goto("/api/v1/facilities/")
    page.wait_for_selector("text=Facility List")
    api = page.context.request
    headers = {"Authorization": f"Token {key}", "Cookie": ""}
    assert api.get(f"{live_server.url}/api/v1/invoices/", headers=headers).status == 200
    page.goto("/office/api-tokens/")
    page.click("main a:has-text('Revoke')")
    page.wait_for_selector("text=Revoke the token Finance system?")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=You have no API token.")
    assert api.get(f"{live_server.url}/api/v1/invoices/", headers=headers).status == 401
