"""A worker's export page follows the worker by itself and then offers the download."""
import pytest
from playwright.sync_api import expect

from accreditation.models import Export
from tests.browser.conftest import sign_in_on
from tests.factories import PASSWORD, OfficeUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_export_page_shows_progress_then_the_download_without_reloading(page):
    office = OfficeUserFactory()
    export = Export.objects.create(requested_by=office, list_name="facilities", format="xlsx", language="en",
                                   status=Export.Status.RUNNING, rows_done=1500, rows_total=6000)
    sign_in_on(page, office.email, PASSWORD)
    page.goto(export.get_absolute_url())
    status = page.get_by_role("status")
    assert "1500 of 6000 rows written (25%)." in status.inner_text()
    page.evaluate("window.notReloaded = true")

    Export.objects.filter(pk=export.pk).update(rows_done=4500)
    expect(status).to_contain_text("4500 of 6000 rows written (75%).")
    Export.objects.filter(pk=export.pk).update(status=Export.Status.DONE, rows_done=6000, file="exports/lists/x.xlsx")
    page.get_by_role("link", name="Download the file").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
