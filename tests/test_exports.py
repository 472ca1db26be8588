"""Every office list downloads as CSV and Excel with the page's filters (accreditation.exports); long lists are
written by the worker with a progress page, for the person who asked."""
import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accreditation import exports
from accreditation.exports import ListExport
from accreditation.models import Export
from accreditation.tasks import tidy_exports
from applications.models import WorkflowEvent
from assessment.models import Assignment
from applications.workflow import Status
from facilities import audit
from facilities.models import Enrolment, Facility
from invoicing.models import Payment

from .conftest import body_of, people_of
from .factories import AssessorFactory, FacilityFactory, OfficeUserFactory
from .test_office_lists import applications_of, awards_of, invoices_of, listed_facilities

pytestmark = pytest.mark.django_db


def csv_rows(response):
    content = body_of(response)
    assert content.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(body_of(response))).active
    return [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def download(client, list_name, fmt="csv", **params):
    response = client.get(f"/office/exports/{list_name}.{fmt}", params)
    assert response.status_code == 200, response.content[:300]
    return csv_rows(response) if fmt == "csv" else xlsx_rows(response)


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


def test_the_facility_list_downloads_with_its_search_and_status(office):
    vienna, graz = listed_facilities(2, status=Enrolment.Status.ENROLLED)
    registered, = listed_facilities(1)
    rows = download(office, "facilities", status="enrolled")
    assert rows[0] == ["Facility", "Institution", "City", "Country", "Enrolments", "People", "Registered"]
    assert sorted(column(rows, "Facility")) == sorted([vienna.name, graz.name])
    assert set(column(rows, "Enrolments")) == {"IO accreditation: Enrolled centre"}
    assert set(column(rows, "Country")) == {"Austria"}
    assert column(rows, "Registered")[0] == timezone.localdate().isoformat()
    assert column(download(office, "facilities", q=registered.name), "Facility") == [registered.name]


def test_the_application_list_has_status_and_days_at_the_step_and_since_submission(office):
    facilities = listed_facilities(2, status=Enrolment.Status.ENROLLED)
    reviewed, = applications_of(facilities[:1], Status.UNDER_REVIEW)
    submitted, = applications_of(facilities[1:], Status.SUBMITTED)
    now = timezone.now()
    from applications.models import Application

    Application.objects.filter(pk__in=[reviewed.pk, submitted.pk]).update(submitted_at=now - timedelta(days=10))
    event = WorkflowEvent.objects.create(application=reviewed, transition="assign", from_status=Status.SUBMITTED,
                                         to_status=Status.UNDER_REVIEW, summary="Assessors assigned")
    WorkflowEvent.objects.filter(pk=event.pk).update(created_at=now - timedelta(days=3))
    assessor = AssessorFactory(first_name="Ada", last_name="Lovelace")
    Assignment.objects.create(application=reviewed, assessor=assessor, slot=1, assigned_by=OfficeUserFactory())

    rows = download(office, "applications")
    assert rows[0] == ["Facility", "Programme", "Status", "Submitted", "Days at current step", "Days since submission",
                       "Assessors"]
    by_facility = {row[0]: row for row in rows[1:]}
    assert by_facility[reviewed.facility.name][2:] == [
        "Under review", (timezone.localdate() - timedelta(days=10)).isoformat(), "3", "10", "Ada Lovelace"]
    assert by_facility[submitted.facility.name][4:6] == ["10", "10"]  # no move since submission
    assert column(download(office, "applications", status="submitted"), "Facility") == [submitted.facility.name]


def test_invoices_download_with_money_as_numbers_and_their_currency_and_the_outstanding_filter(office, office_user):
    paid, unpaid = invoices_of(listed_facilities(2, status=Enrolment.Status.ENROLLED))
    Payment.objects.create(invoice=paid, paid_on=timezone.localdate(), amount=100, reference="B-1", recorded_by=office_user)
    rows = download(office, "invoices")
    assert rows[0] == ["Number", "Facility", "For", "Fee year", "Issued", "Due", "Currency", "Total", "Paid",
                       "Outstanding", "Status"]
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[paid.number][6:] == ["EUR", "100.00", "100.00", "0.00", "Paid"]
    assert by_number[unpaid.number][6:] == ["EUR", "100.00", "0.00", "100.00", "Open"]
    assert column(download(office, "invoices", open="1"), "Number") == [unpaid.number]

    sheet = download(office, "invoices", "xlsx", open="1")
    assert sheet[1][7] == 100 and isinstance(sheet[1][7], (int, float)), "a number the spreadsheet can add up"


def test_payments_download_with_their_search(office, office_user):
    first, second = invoices_of(listed_facilities(2, status=Enrolment.Status.ENROLLED))
    Payment.objects.create(invoice=first, paid_on=timezone.localdate(), amount=60, reference="BANK-ONE", recorded_by=office_user)
    Payment.objects.create(invoice=second, paid_on=timezone.localdate(), amount=40, reference="BANK-TWO", recorded_by=office_user)
    rows = download(office, "payments", q="bank-two")
    assert rows[0][:6] == ["Received on", "Invoice", "Facility", "Currency", "Amount", "Payment reference"]
    assert [row[1:6] for row in rows[1:]] == [[second.number, second.facility.name, "EUR", "40.00", "BANK-TWO"]]
    assert office.get("/office/payments/", {"q": "bank-two"}).content.decode().count("BANK-") == 1


def test_awards_download_with_their_expiry_and_the_expired_filter(office):
    today = timezone.localdate()
    current, = awards_of(listed_facilities(1, status=Enrolment.Status.ACCREDITED), today + timedelta(days=400))
    expired, = awards_of(listed_facilities(1, status=Enrolment.Status.ACCREDITED), today - timedelta(days=1))
    rows = download(office, "awards")
    assert rows[0] == ["Facility", "Programme", "Granted", "Expires"]
    assert [row[0] for row in rows[1:]] == [expired.facility.name, current.facility.name]  # soonest expiry first
    assert rows[2][3] == (today + timedelta(days=400)).isoformat()
    assert column(download(office, "awards", state="expired"), "Facility") == [expired.facility.name]
    page = office.get("/office/awards/", {"state": "current"}).content.decode()
    assert current.facility.name in page and expired.facility.name not in page


def test_assessors_download_with_their_workload(office, office_user):
    busy, idle = AssessorFactory(last_name="Busy"), AssessorFactory(last_name="Idle")
    under_review = applications_of(listed_facilities(2, status=Enrolment.Status.ENROLLED), Status.UNDER_REVIEW)
    approved = applications_of(listed_facilities(1, status=Enrolment.Status.ENROLLED), Status.APPROVED)
    Assignment.objects.bulk_create(
        Assignment(application=application, assessor=busy, slot=1, assigned_by=office_user)
        for application in under_review + approved
    )
    rows = download(office, "assessors")
    assert rows[0] == ["Assessor", "E-mail", "Open assignments", "All assignments"]
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email[busy.email][2:] == ["2", "3"] and by_email[idle.email][2:] == ["0", "0"]
    assert column(download(office, "assessors", q="idle"), "E-mail") == [idle.email]


def test_the_audit_trail_downloads_for_one_facility(office, office_user):
    mine, other = listed_facilities(2, status=Enrolment.Status.ENROLLED)
    audit.record("facility.edited", "Profile edited", actor=office_user, facility=mine, changes={"city": ["Graz", "Linz"]})
    audit.record("facility.edited", "Profile edited", actor=office_user, facility=other)
    rows = download(office, "audit-trail", facility=mine.pk)
    assert rows[0] == ["When", "Facility", "Who", "Action", "What", "Changes"]
    assert [row[1:] for row in rows[1:]] == [[mine.name, str(office_user), "facility.edited", "Profile edited", "city: Graz → Linz"]]
    page = office.get("/office/audit-trail/", {"facility": mine.pk}).content.decode()
    assert f"History of {mine.name}" in page and "Graz → Linz" in page
    assert f'/office/exports/audit-trail.csv?facility={mine.pk}"' in page
    assert office.get("/office/audit-trail/", {"facility": 999999}).status_code == 404


@pytest.mark.parametrize("list_name, seed", [
    ("facilities", lambda: listed_facilities(3, status=Enrolment.Status.ENROLLED)),
    ("applications", lambda: applications_of(listed_facilities(3, status=Enrolment.Status.ENROLLED), Status.SUBMITTED)),
    ("invoices", lambda: invoices_of(listed_facilities(3, status=Enrolment.Status.ENROLLED))),
    ("awards", lambda: awards_of(listed_facilities(3), timezone.localdate())),
])
def test_the_excel_file_holds_the_same_rows_as_the_csv(office, list_name, seed):
    seed()
    as_csv, as_xlsx = download(office, list_name), download(office, list_name, "xlsx")
    assert len(as_xlsx) == len(as_csv) > 1
    for csv_row, xlsx_row in zip(as_csv, as_xlsx):
        assert [Decimal(c) if isinstance(x, (int, float)) else c for c, x in zip(csv_row, xlsx_row)] == \
               [Decimal(str(x)) if isinstance(x, (int, float)) else x for x in xlsx_row]


def test_cells_that_spreadsheets_would_run_as_formulas_are_written_as_text(office):
    names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "Plain Unit"]
    for number, name in enumerate(names):
        FacilityFactory(name=name, institution=f"Institution {number}")
    as_csv = column(download(office, "facilities"), "Facility")
    assert sorted(as_csv) == sorted(["'" + name for name in names[:-1]] + ["Plain Unit"])
    sheet = openpyxl.load_workbook(io.BytesIO(body_of(office.get("/office/exports/facilities.xlsx")))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert sorted(cell.value for cell in cells) == sorted(as_csv)


def test_the_file_is_named_after_the_list_and_the_day(office):
    response = office.get("/office/exports/awards.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="awards-{timezone.localdate().isoformat()}.xlsx"'
    assert office.get("/office/exports/nothing.csv").status_code == 404
    assert office.get("/office/exports/facilities.pdf").status_code == 404


def test_headers_and_labels_are_in_the_office_users_language(client, office_user):
    invoices_of(listed_facilities(1, status=Enrolment.Status.ENROLLED))
    office_user.language = "de"
    office_user.save()
    client.force_login(office_user)
    rows = download(client, "invoices")
    assert rows[0][:2] == ["Nummer", "Einrichtung"] and rows[0][-2:] == ["Offen", "Status"]
    assert rows[1][2] == "Aufnahmegebühr" and rows[1][-1] == "Offen"


def test_each_page_offers_both_downloads_with_its_filters_but_not_its_page(office):
    listed_facilities(60, status=Enrolment.Status.ENROLLED)
    html = office.get("/office/facilities/", {"q": "listed", "status": "enrolled", "page": 2}).content.decode()
    links = re.findall(r'href="(/office/exports/facilities\.(?:csv|xlsx)[^"]*)"', html)
    assert [link.replace("&amp;", "&") for link in links] == [
        "/office/exports/facilities.csv?q=listed&status=enrolled", "/office/exports/facilities.xlsx?q=listed&status=enrolled"]
    for url, list_name in [("/office/assessments/", "applications"), ("/office/invoices/?open=1", "invoices"),
                           ("/office/payments/", "payments"), ("/office/awards/", "awards"),
                           ("/office/assessors/", "assessors"), ("/office/audit-trail/", "audit-trail")]:
        assert f"/office/exports/{list_name}.csv" in office.get(url).content.decode(), url


@pytest.mark.parametrize("role", ["rep", "member", "assessor"])
def test_only_the_office_exports_lists(client, role):
    facility = people_of(FacilityFactory(name="Aardvark Liver Unit", status=Enrolment.Status.ENROLLED))
    other = people_of(FacilityFactory(name="Zebrafish Tumour Centre", status=Enrolment.Status.ENROLLED))
    user = {"rep": facility.rep, "member": facility.member, "assessor": AssessorFactory()}[role]
    client.force_login(user)
    for list_name in exports.declared_lists():
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/office/exports/{list_name}.{fmt}")
            assert response.status_code == 403, (list_name, fmt)
            assert other.facility.name.encode() not in body_of(response)
    client.logout()
    assert client.get("/office/exports/facilities.csv").status_code == 302


SEEDS = {
    "facilities": lambda n, office: listed_facilities(n, status=Enrolment.Status.ENROLLED),
    "applications": lambda n, office: Assignment.objects.bulk_create(
        Assignment(application=a, assessor=office["assessor"], slot=1, assigned_by=office["user"])
        for a in applications_of(listed_facilities(n, status=Enrolment.Status.ENROLLED), Status.UNDER_REVIEW)),
    "invoices": lambda n, office: invoices_of(listed_facilities(n, status=Enrolment.Status.ENROLLED)),
    "payments": lambda n, office: Payment.objects.bulk_create(
        Payment(invoice=invoice, paid_on=timezone.localdate(), amount=10, reference=f"R-{invoice.pk}", recorded_by=office["user"])
        for invoice in invoices_of(listed_facilities(n, status=Enrolment.Status.ENROLLED))),
    "awards": lambda n, office: awards_of(listed_facilities(n), timezone.localdate()),
    "assessors": lambda n, office: [AssessorFactory() for _ in range(min(n, 20))],
    "audit-trail": lambda n, office: [audit.record("x", "Thing %(n)s", {"n": i}, actor=office["user"], facility=f)
                                      for i, f in enumerate(listed_facilities(n))],
}


@pytest.mark.parametrize("list_name", sorted(SEEDS))
def test_an_export_takes_as_many_queries_for_hundreds_of_rows_as_for_a_few(office, office_user, list_name):
    context = {"user": office_user, "assessor": AssessorFactory()}
    SEEDS[list_name](3, context)
    office.get(f"/office/exports/{list_name}.csv")  # the session is warm from here on
    with CaptureQueriesContext(connection) as few:
        rows_before = len(download(office, list_name))
    SEEDS[list_name](300, context)
    with CaptureQueriesContext(connection) as many:
        rows_after = len(download(office, list_name))
    assert rows_after > rows_before
    assert len(many) == len(few), [query["sql"][:120] for query in many.captured_queries]


# Long lists: the worker writes them --------------------------------------------------------------------------


@pytest.fixture
def low_threshold(settings, monkeypatch):
    settings.EXPORT_ROWS_IN_REQUEST = 5
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 4)


def test_a_long_list_is_written_by_the_worker_and_downloaded_by_who_asked_only(client, office, office_user, low_threshold):
    listed_facilities(12, status=Enrolment.Status.ENROLLED)
    listed_facilities(3)
    response = office.get("/office/exports/facilities.xlsx", {"status": "enrolled", "page": "2"})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/exports/{export.pk}/"
    assert (export.requested_by, export.list_name, export.filters, export.format) == (office_user, "facilities", "status=enrolled", "xlsx")
    assert (export.status, export.rows_done, export.rows_total, export.percent) == (Export.Status.DONE, 12, 12, 100)

    page = office.get(response["Location"]).content.decode()
    assert 'role="status" aria-live="polite"' in page and 'aria-valuenow="100"' in page
    assert "The file is ready: 12 rows." in page and "http-equiv=\"refresh\"" not in page
    download = office.get(f"/office/exports/{export.pk}/file/")
    assert download["Content-Disposition"] == f'attachment; filename="facilities-{timezone.localdate().isoformat()}.xlsx"'
    rows = xlsx_rows(download)
    assert len(rows) == 13 and set(column(rows, "Enrolments")) == {"IO accreditation: Enrolled centre"}
    assert export.pk in [e.pk for e in office.get("/office/exports/").context["exports"]]

    client.force_login(OfficeUserFactory())  # another member of the office makes their own
    for url in (f"/office/exports/{export.pk}/", f"/office/exports/{export.pk}/file/"):
        assert client.get(url).status_code == 404
    assert export.pk not in [e.pk for e in client.get("/office/exports/").context["exports"]]


def test_the_progress_page_refreshes_itself_until_the_file_is_written(office, office_user):
    export = Export.objects.create(requested_by=office_user, list_name="facilities", format="csv", language="en",
                                   status=Export.Status.RUNNING, rows_done=1500, rows_total=6000)
    html = office.get(f"/office/exports/{export.pk}/").content.decode()
    assert "1500 of 6000 rows written (25%)." in html and 'aria-valuenow="25"' in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert f'hx-get="/office/exports/{export.pk}/" hx-trigger="every 2s"' in html
    partial = office.get(f"/office/exports/{export.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "25%" in partial
    assert office.get(f"/office/exports/{export.pk}/file/")["Location"] == f"/office/exports/{export.pk}/"


@pytest.fixture
def broken_list():
    """A list whose third row cannot be written (a column reading what is not there)."""
    rows = iter(range(10))
    ListExport("broken", "Broken", columns=(("Facility", "name"), ("Ratio", lambda f: 1 / (next(rows) - 2))),
               rows=lambda user, params: Facility.objects.visible_to(user).order_by("pk"))
    yield
    del exports.LISTS["broken"]


def test_a_failed_export_says_so_and_keeps_no_file(office, low_threshold, broken_list, settings):
    listed_facilities(8)
    response = office.get("/office/exports/broken.csv")
    export = Export.objects.get()
    assert export.status == Export.Status.FAILED and not export.file and export.finished_at
    assert "The export failed" in office.get(response["Location"]).content.decode()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    assert office.get(f"/office/exports/{export.pk}/file/").status_code == 302


def test_old_exports_are_deleted_with_their_files_and_lost_ones_fail(office, office_user, low_threshold, settings):
    listed_facilities(8)
    office.get("/office/exports/facilities.csv")
    old = Export.objects.get()
    path = settings.MEDIA_ROOT / old.file.name
    assert path.exists()
    office.get("/office/exports/facilities.csv")
    Export.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=settings.EXPORT_KEEP_DAYS + 1))
    lost = Export.objects.create(requested_by=office_user, list_name="facilities", format="csv", language="en",
                                 status=Export.Status.RUNNING, rows_total=8)
    Export.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=2))

    assert tidy_exports.delay().get() == [old.pk]  # the periodic task: fails the lost export, deletes the old one
    assert not path.exists() and Export.objects.count() == 2
    lost.refresh_from_db()
    assert lost.status == Export.Status.FAILED
    assert "worker stopped" in office.get(lost.get_absolute_url()).content.decode()


def test_a_task_delivered_twice_writes_the_file_once(office, low_threshold):
    from accreditation.tasks import write_list_export

    listed_facilities(8)
    office.get("/office/exports/facilities.csv")
    export = Export.objects.get()
    assert write_list_export(export.pk) is None
    assert Export.objects.get().file.name == export.file.name


def test_asking_again_while_the_file_is_written_watches_the_same_export(office, office_user, low_threshold):
    listed_facilities(8)
    under_way = Export.objects.create(requested_by=office_user, list_name="facilities", format="csv", language="en",
                                      filters="status=registered", status=Export.Status.RUNNING, rows_total=8)
    response = office.get("/office/exports/facilities.csv", {"status": "registered", "page": "3"})
    assert response["Location"] == under_way.get_absolute_url() and Export.objects.count() == 1
    office.get("/office/exports/facilities.xlsx", {"status": "registered"})  # another file: its own export
    assert Export.objects.count() == 2
