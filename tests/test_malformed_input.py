"""No input gives a 500 or changes a row: every portal URL that takes a POST, fed malformed values.

Walks the URL resolver through the permission matrix (its world and URL kwargs), posts as a user the
matrix lets in, and compares every domain table before and after.
"""
import hashlib
import importlib
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.conf import settings as portal_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse

from accreditation.forms import PortalFormMixin
from facilities.forms import PROFILE_FIELDS
from facilities.models import Facility

from .test_permission_matrix import MATRIX, world  # noqa: F401 (world is the matrix's fixture)

pytestmark = pytest.mark.django_db

PORTAL_APPS = ["facilities", "applications", "casereview", "assessment", "invoicing", "correspondence", "api"]
# Who posts: the first role the matrix lets use the URL (the office for office pages, and so on).
POSTING_ROLES = ["rep", "office", "chair", "assigned_assessor", "anonymous"]
ALLOWED = {200, 302, 404, 405}  # 404: nothing to show yet (no award), the URL still answers
# Confirmations take no input: their post acts whatever is sent (a second post must still not break).
TAKES_NO_INPUT = {
    "casereview:delete_case", "assessment:resubmit", "facilities:new_code", "office:new_code",
    "facilities:remove_member", "office:remove_member", "invoicing:render_invoice_pdf", "assessment:render_certificate",
    "api:revoke_token",
    "invoicing:accept_consultation", "invoicing:withdraw_consultation",
    "assessment:complete_dosimetry_audit",
}
# Formsets and per-comment forms carry a prefix.
PREFIXES = {"CorrectiveActionForm": ["actions-0-"], "ReplyForm": ["c{verdict}-"]}


def portal_forms():
    for app in PORTAL_APPS:
        importlib.import_module(f"{app}.forms")
    found, queue = set(), [PortalFormMixin]
    while queue:
        for sub in queue.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                queue.append(sub)
    return found


def form_fields(world):
    """{posted name: form field} for every field of every portal form, with the prefixes the pages use."""
    fields = {}
    for form_class in portal_forms():
        for prefix in PREFIXES.get(form_class.__name__, [""]):
            prefix = prefix.format(verdict=world.verdict.pk)
            for name, field in getattr(form_class, "base_fields", {}).items():
                fields.setdefault(prefix + name, field)
    return fields


def is_text(field):
    return isinstance(field, forms.CharField)


def is_file(field):
    return isinstance(field, forms.FileField)


# htmx posts get partials back (autosave, verdicts): these payloads are sent both ways.
HTMX_PAYLOADS = {"empty body", "wrong types", "huge numbers", "over-long strings"}
CONTROL = "Name\x00with\x1b\r\ncontrol\x07characters"
CSV_HEADER = "record_identifier,procedure_date,tumour_type\n"


def payloads(fields):
    """(label, data): every field gets a malformed value; text fields are always malformed, so no form is valid."""
    def each(text_value, other_value):
        data = {name: text_value if is_text(field) else other_value for name, field in fields.items() if not is_file(field)}
        return {**data, "confirmed": "1", "actions-TOTAL_FORMS": other_value, "actions-INITIAL_FORMS": other_value}

    def files(content, file_name):
        return {name: SimpleUploadedFile(file_name, content) for name, field in fields.items() if is_file(field)}

    over_long = each("x" * 30_000, "9" * 30_000)
    over_long["records_text"] = CSV_HEADER + "A" * 200_000 + ",2026-01-01,Liver\n"  # beyond csv.field_size_limit
    bomb_limit = portal_settings.UPLOAD_MAX_UNPACKED_BYTES
    return [
        ("empty body", {}),
        ("over-long strings", over_long),
        ("control characters", each(CONTROL, CONTROL)),
        ("wrong types", each(CONTROL, "not-a-number")),
        ("lists for single values", {name: [CONTROL, CONTROL] for name in each("", "")}),
        ("unknown ids", each(CONTROL, "999999999")),
        ("huge numbers", each(CONTROL, "9" * 40)),
        ("negative and special numbers", each(CONTROL, "-1e309")),
        ("broken zip named .docx", files(b"PK\x03\x04 not really a zip", "plan.docx")),
        ("non-UTF-8 CSV", files(b"record_identifier,procedure_date,tumour_type\n\xff\xfe\x00\x81", "records.csv")),
        ("empty file", files(b"", "empty.pdf")),
        ("zip bomb named .xlsx", files(zip_bomb(bomb_limit), "sheet.xlsx")),
    ]


def zip_bomb(unpacked_bytes):
    """An XLSX-shaped zip declaring one part larger than ``unpacked_bytes`` (small on the wire: zeros compress)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = bytes(1024 * 1024)
            for _ in range(unpacked_bytes // len(chunk) + 1):
                part.write(chunk)
    return buffer.getvalue()


def domain_fingerprint():
    """{table: digest of its rows}, for every model of the portal's apps (the audit trail included)."""
    digests = {}
    for app in PORTAL_APPS + ["account"]:
        for model in apps.get_app_config(app).get_models():
            rows = list(model.objects.order_by("pk").values_list())
            digests[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def takes_posts(url_name):
    """Whether the URL's view has a POST handler (function views take any method)."""
    url = reverse(url_name, kwargs=MATRIX[url_name][0](EVERY_ID))
    view = resolve(url).func
    view_class = getattr(view, "view_class", None)
    return view_class is None or (hasattr(view_class, "post") and "post" in view_class.http_method_names)


class AnyId(SimpleNamespace):
    """Stands in for the matrix's world when only a URL's shape matters: every attribute is an id 1."""

    pk = 1

    def __getattr__(self, name):
        return self


EVERY_ID = AnyId()


def poster_of(url_name):
    expected = MATRIX[url_name][1]
    return next(role for role in POSTING_ROLES if expected[role] in ALLOWED and (role != "anonymous" or expected[role] == 200))


def test_every_portal_form_refuses_control_characters():
    """One mechanism for all forms: each portal form derives from PortalFormMixin, which guards its text fields."""
    for app in PORTAL_APPS:
        module = importlib.import_module(f"{app}.forms")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                assert issubclass(value, PortalFormMixin), f"{value.__name__} does not use PortalFormMixin"


@pytest.fixture
def small_unpack_limit(settings):
    # The zip bomb only needs to exceed the limit; a low limit keeps the test fast.
    settings.UPLOAD_MAX_UNPACKED_BYTES = 4 * 1024 * 1024


@pytest.mark.parametrize("url_name", sorted(name for name in MATRIX if takes_posts(name)))
def test_malformed_posts_give_no_500_and_change_nothing(client, world, small_unpack_limit, url_name):  # noqa: F811
    kwargs_of, _expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=kwargs_of(world))
    user = world.users[poster_of(url_name)]
    if user is not None:
        client.force_login(user)
    fields = form_fields(world)
    failures = []
    before = domain_fingerprint()
    for label, data in payloads(fields):
        for htmx in (False, True) if label in HTMX_PAYLOADS else (False,):
            headers = {"HX-Request": "true"} if htmx else {}
            try:
                response = client.post(url, data, headers=headers)
            except Exception as error:  # the test client re-raises what would have been a 500
                failures.append(f"{label}{' (htmx)' if htmx else ''}: {type(error).__name__}: {str(error)[:200]}")
                continue
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code}")
    try:
        raw = client.generic("POST", url, b"title=%FF%FE%00&records_text=%FF%FE&version=%FF&body=%C3%28%00",
                             content_type="application/x-www-form-urlencoded")
        if raw.status_code >= 500:
            failures.append(f"undecodable bytes: {raw.status_code}")
    except Exception as error:
        failures.append(f"undecodable bytes: {type(error).__name__}: {str(error)[:200]}")
    assert not failures, f"{url_name} ({url}): " + "; ".join(failures)
    if url_name not in TAKES_NO_INPUT:
        after = domain_fingerprint()
        assert {table for table in before if before[table] != after[table]} == set(), f"{url_name}: rows changed"


# The cases the issue names, each with a valid rest of the form so only the bad value decides.

@pytest.mark.parametrize("version", ["7", "999999999", "9" * 40, "abc", "-1", "1.5", ""])
def test_an_answer_saved_with_a_stale_unknown_or_malformed_version_is_refused(client, enrolled, application, version):
    from applications.models import Answer, Question

    question = Question.objects.get(standard__question_set=application.question_set, number=1)
    client.force_login(enrolled.member)
    url = reverse("applications:answer", args=[question.pk])
    assert client.post(url, {"choice": "yes", "evidence": "Register", "version": 0}).status_code == 302  # version 1
    for htmx in ({}, {"HX-Request": "true"}):
        response = client.post(url, {"choice": "no", "evidence": "Changed", "version": version}, headers=htmx)
        assert response.status_code in (409, 422)
    answer = Answer.objects.get(question=question, application=application)
    assert (answer.choice, answer.version) == ("yes", 1)


@pytest.mark.parametrize("version", ["7", "999999999", "9" * 40, "abc", ""])
def test_a_case_saved_with_a_stale_unknown_or_malformed_version_is_refused(client, enrolled, application, version):
    from casereview.models import ReviewCase

    from .factories import ReviewCaseFactory

    case = ReviewCaseFactory(application=application, checked=False)
    client.force_login(enrolled.member)
    data = {"record_identifier": "CHANGED-1", "procedure_date": case.procedure_date.isoformat(),
            "tumour_type": case.tumour_type, "checked": "on", "present_items": ["abc", "9" * 40], "version": version}
    for htmx in ({}, {"HX-Request": "true"}):
        assert client.post(reverse("casereview:case", args=[case.pk]), data, headers=htmx).status_code in (409, 422)
    assert ReviewCase.objects.get(pk=case.pk).record_identifier == case.record_identifier


def test_a_csv_list_with_an_over_long_value_or_undecodable_bytes_is_refused_with_a_message(client, enrolled, application):
    client.force_login(enrolled.member)
    url = reverse("casereview:draw")
    unclosed_quote = CSV_HEADER + 'A-1,2026-01-01,"Liver\n' + "B-2,2026-01-02,Lung\n" * 20_000
    response = client.post(url, {"records_text": unclosed_quote})
    assert response.status_code == 422 and "cannot be read as CSV" in response.content.decode()
    latin1 = SimpleUploadedFile("records.csv", (CSV_HEADER + "A-1,2026-01-01,Hígado\n").encode("latin-1"))
    response = client.post(url, {"records_file": latin1})
    assert response.status_code == 422 and "not UTF-8" in response.content.decode()


def test_unknown_and_huge_ids_in_urls_answer_404(client, world):  # noqa: F811
    """Every URL with an id, as a user allowed to use it, with an id that does not exist or cannot exist."""
    failures = []
    for url_name, (kwargs_of, _expected) in sorted(MATRIX.items()):
        kwargs = kwargs_of(world)
        ids = [name for name, value in kwargs.items() if isinstance(value, int)]
        if not ids:
            continue
        user = world.users[poster_of(url_name)]
        client.force_login(user)
        for unknown in (999_999_999, 10**30):
            url = reverse(url_name, kwargs={**kwargs, **dict.fromkeys(ids, unknown)})
            for method in (client.get, client.post):
                status = method(url).status_code
                if status not in (404, 405):  # 405: the view takes the other method
                    failures.append(f"{method.__name__.upper()} {url}: {status}")
    assert not failures, failures


def test_one_line_fields_refuse_line_breaks_and_control_characters_multi_line_fields_keep_line_breaks(client, enrolled):
    from tests.test_registration import registration_data

    for bad in ("Liver\nUnit", "Liver\tUnit", "Liver\x1bUnit", "Liver\u2028Unit"):
        response = client.post(reverse("register_facility"), registration_data(name=bad))
        assert "Enter this on one line" in response.content.decode()
    assert not Facility.objects.filter(name__startswith="Liver").exists()
    client.force_login(enrolled.rep)
    response = client.post(reverse("facilities:profile_edit"), {
        **{name: getattr(enrolled.facility, name) for name in PROFILE_FIELDS},
        "institution": "St Elsewhere\r\nHospital", "address": "12 Harbour Road\r\nDublin",
    })
    assert response.status_code == 200 and "Enter this on one line" in response.content.decode()
    response = client.post(reverse("facilities:profile_edit"), {
        **{name: getattr(enrolled.facility, name) for name in PROFILE_FIELDS}, "address": "12 Harbour Road\r\nDublin",
    })
    enrolled.facility.refresh_from_db()
    assert response.status_code == 302 and enrolled.facility.address == "12 Harbour Road\r\nDublin"
    response = client.post(reverse("correspondence:documents"), {
        "title": "Policy\r\nBcc: x", "upload": SimpleUploadedFile("policy.pdf", b"%PDF-1.4 policy")})
    assert "Enter this on one line" in response.content.decode()


# Uploads: office documents unpack within limits; oversized requests are refused before they are read.

def many_parts_docx(count):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for number in range(count):
            archive.writestr(f"word/part{number}.xml", "")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, reason", [
    ("sheet.xlsx", zip_bomb(4 * 1024 * 1024), "unpacks to"),
    ("letter.docx", many_parts_docx(30), "holds 31 parts"),
])
def test_an_office_document_that_unpacks_too_large_is_refused(client, enrolled, settings, name, content, reason):
    from correspondence.models import FacilityDocument

    settings.UPLOAD_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    settings.UPLOAD_MAX_ZIP_MEMBERS = 20
    client.force_login(enrolled.member)
    response = client.post(reverse("correspondence:documents"), {"title": "Evidence", "upload": SimpleUploadedFile(name, content)})
    assert response.status_code == 200 and reason in response.content.decode()
    assert not FacilityDocument.objects.exists()


def test_a_request_larger_than_the_limit_is_refused_with_a_friendly_page(client, enrolled, settings):
    from correspondence.models import FacilityDocument

    settings.REQUEST_MAX_BYTES = 64 * 1024
    client.force_login(enrolled.member)
    upload = SimpleUploadedFile("policy.pdf", b"%PDF-1.4 " + b"0" * 100_000)
    response = client.post(reverse("correspondence:documents"), {"title": "Evidence", "upload": upload})
    assert response.status_code == 413 and "What you sent is too large" in response.content.decode()
    assert not FacilityDocument.objects.exists()


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_an_oversized_request_is_refused_before_its_body_is_read(db, settings):
    import sys

    from django.core.handlers.wsgi import WSGIHandler

    statuses = []
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": reverse("register_facility"), "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": UnreadableBody(), "wsgi.errors": sys.stderr,
        "CONTENT_TYPE": "multipart/form-data; boundary=x", "CONTENT_LENGTH": str(settings.REQUEST_MAX_BYTES + 1),
    }
    WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"]
