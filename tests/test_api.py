"""The REST API: personal tokens, what each endpoint shows, recording a payment, throttling, paging, the schema."""
import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import create_token, revoke_token
from applications.models import Application, AwardTier, Programme
from assessment.models import Award, Decision
from facilities.models import AuditEntry, Enrolment, Facility
from invoicing.models import Payment
from invoicing.services import issue_credit_note

from .factories import (
    enrolment_of,
    ApplicationFactory,
    AssessorFactory,
    FacilityFactory,
    InvoiceFactory,
    OfficeUserFactory,
    PaymentFactory,
)
from .workflow_steps import submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_of(db):
    """A header carrying a new personal token of ``user``."""

    def make(user, **kwargs):
        kwargs.setdefault("name", "Finance system")
        _, key = create_token(user, **kwargs)
        return {"HTTP_AUTHORIZATION": f"Token {key}"}

    return make


@pytest.fixture
def office_header(office_user, token_of):
    return token_of(office_user)


@pytest.fixture
def enrolment_invoice(registered):
    """The registered facility's enrolment invoice: EUR 1,500.00 + 20% tax, nothing paid."""
    return InvoiceFactory(facility=registered.facility)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# Personal tokens


def test_a_valid_token_reads_the_api_as_its_person(client, office_user, office_header, registered):
    response = client.get(reverse("api:facility-list"), **office_header)
    assert [row["name"] for row in results(response)] == [registered.facility.name]
    assert ApiToken.objects.get(user=office_user).last_used_at is not None


@pytest.mark.parametrize("header", ["Token iop_not-a-token", "Token", "Token two parts", "Bearer iop_whatever"])
def test_a_wrong_or_malformed_token_is_refused_with_401(client, office_header, header):
    response = client.get(reverse("api:facility-list"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_without_credentials_the_api_asks_for_a_token(client, db):
    response = client.get(reverse("api:invoice-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_refused_at_once(client, office_user, token_of):
    header = token_of(office_user)
    assert client.get(reverse("api:facility-list"), **header).status_code == 200
    revoke_token(ApiToken.objects.get(user=office_user), office_user)
    assert client.get(reverse("api:facility-list"), **header).status_code == 401


def test_a_token_works_through_its_last_day_and_not_after(client, office_user, token_of):
    header = token_of(office_user, expires_on=timezone.localdate())
    assert client.get(reverse("api:facility-list"), **header).status_code == 200
    ApiToken.objects.update(expires_on=timezone.localdate() - timedelta(days=1))
    assert client.get(reverse("api:facility-list"), **header).status_code == 401


def test_a_token_of_someone_who_left_the_office_no_longer_reads(client, office_user, token_of):
    header = token_of(office_user)
    office_user.office_role = ""
    office_user.save()
    assert client.get(reverse("api:facility-list"), **header).status_code == 403
    office_user.is_active = False
    office_user.save()
    assert client.get(reverse("api:facility-list"), **header).status_code == 401


def test_only_office_staff_hold_tokens(enrolled, assessor, chairperson):
    from django.core.exceptions import ValidationError

    for person in (enrolled.rep, enrolled.member, assessor):
        with pytest.raises(ValidationError):
            create_token(person, name="Mine")
    assert create_token(chairperson, name="Committee")[1].startswith("iop_")
    assert ApiToken.objects.get().user == chairperson


def test_the_office_creates_a_token_sees_it_once_and_the_portal_keeps_only_its_digest(client, office_user):
    client.force_login(office_user)
    response = client.post(reverse("api:create_token"), {"name": "Finance system", "expires_on": ""})
    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(ApiToken.objects.values()))
    # The list shows it by name and first characters, never the key again.
    listing = client.get(reverse("api:tokens")).content.decode()
    assert "Finance system" in listing and token.prefix in listing and key not in listing
    entry = AuditEntry.objects.get(action="api.token_created")
    assert entry.actor == office_user and "Finance system" in entry.summary_text()
    client.logout()
    assert client.get(reverse("api:facility-list"), HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_a_token_cannot_expire_before_today(client, office_user):
    client.force_login(office_user)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(reverse("api:create_token"), {"name": "Old", "expires_on": yesterday.isoformat()})
    assert "The last day cannot be in the past." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_revokes_and_is_audited(client, office_user, token_of):
    header = token_of(office_user)
    token = ApiToken.objects.get()
    client.force_login(office_user)
    confirm = client.get(reverse("api:revoke_token", args=[token.pk]))
    assert "Revoke the token Finance system?" in confirm.content.decode()
    assert ApiToken.objects.active().exists()
    response = client.post(reverse("api:revoke_token", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.active().exists()
    assert AuditEntry.objects.get(action="api.token_revoked").actor == office_user
    assert "You have no API token." in client.get(reverse("api:tokens")).content.decode()
    client.logout()
    assert client.get(reverse("api:facility-list"), **header).status_code == 401


def test_nobody_revokes_another_persons_token(client, office_user, chairperson):
    token, _ = create_token(office_user, name="Finance system")
    client.force_login(chairperson)
    assert "You have no API token." in client.get(reverse("api:tokens")).content.decode()
    assert client.post(reverse("api:revoke_token", args=[token.pk])).status_code == 404
    assert ApiToken.objects.active().exists()


def test_the_browsable_api_with_a_session_needs_the_csrf_token_to_write(office_user, registered, enrolment_invoice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(office_user)
    invoice = enrolment_invoice
    assert client.get(reverse("api:invoice-detail", args=[invoice.pk])).status_code == 200
    response = client.post(reverse("api:invoice-payments", args=[invoice.pk]),
                           {"paid_on": timezone.localdate().isoformat(), "amount": "10.00", "reference": "X"})
    assert response.status_code == 403
    assert not Payment.objects.exists()
    client.get(reverse("api:tokens"))  # a portal page hands out the CSRF cookie
    response = client.post(reverse("api:invoice-payments", args=[invoice.pk]),
                           {"paid_on": timezone.localdate().isoformat(), "amount": "10.00", "reference": "X"},
                           HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 201
    assert Payment.objects.get().recorded_by == office_user


# What the endpoints show


def test_lists_are_scoped_by_visible_to_and_non_office_people_are_refused(client, enrolled, assessor):
    """A facility's staff and assessors hold no tokens; signed in, the office's endpoints refuse them."""
    InvoiceFactory(facility=enrolled.facility)
    for person in (enrolled.rep, enrolled.holder, enrolled.member, assessor):
        client.force_login(person)
        for name in ("facility-list", "enrolment-list", "application-list", "award-list", "invoice-list", "payment-list"):
            response = client.get(reverse(f"api:{name}"))
            assert response.status_code == 403, (person, name)
            assert enrolled.facility.name not in response.content.decode()


def test_the_office_reads_facilities_filtered_by_status_country_and_programme(client, office_header):
    vienna = FacilityFactory(name="Vienna IO", country="AT", status=Enrolment.Status.ENROLLED)
    lyon = FacilityFactory(name="Lyon IO", country="FR")
    srs = FacilityFactory(name="Graz SRS", country="AT", programme=Programme.objects.get(code="srs"))
    url = reverse("api:facility-list")
    assert [r["name"] for r in results(client.get(url, {"status": "enrolled"}, **office_header))] == ["Vienna IO"]
    assert [r["name"] for r in results(client.get(url, {"country": "fr"}, **office_header))] == ["Lyon IO"]
    assert [r["name"] for r in results(client.get(url, {"programme": "srs"}, **office_header))] == ["Graz SRS"]
    assert [r["name"] for r in results(client.get(url, {"ordering": "-name"}, **office_header))] == [
        "Vienna IO", "Lyon IO", "Graz SRS"]
    detail = client.get(reverse("api:facility-detail", args=[lyon.pk]), **office_header).json()
    assert detail["code"] == lyon.code and detail["enrolments"] == [
        {"programme": "io", "status": "registered", "status_changed_at": None, "award_expires_on": None}]
    assert srs.pk != lyon.pk
    response = client.get(url, {"status": "nonsense"}, **office_header)
    assert response.status_code == 400 and "status" in response.json()


def test_an_enrolment_is_named_by_facility_and_programme(client, office_header, enrolled):
    facility = enrolled.facility
    rows = results(client.get(reverse("api:enrolment-list"), **office_header))
    assert rows == [{
        "id": f"{facility.pk}-io", "facility": facility.pk, "facility_name": facility.name,
        "programme": {"code": "io", "name": enrolment_of(facility).programme.name, "full_name": enrolment_of(facility).programme.full_name},
        "status": "enrolled", "status_changed_at": None, "award_expires_on": None,
        "registered_at": rows[0]["registered_at"],
    }]
    assert client.get(reverse("api:enrolment-detail", args=[f"{facility.pk}-io"]), **office_header).json() == rows[0]
    assert client.get(reverse("api:enrolment-detail", args=[f"{facility.pk}-srs"]), **office_header).status_code == 404
    Enrolment.objects.create(facility=facility, programme=Programme.objects.get(code="srs"))
    rows = results(client.get(reverse("api:enrolment-list"), {"facility": facility.pk}, **office_header))
    assert [(row["id"], row["status"]) for row in rows] == [(f"{facility.pk}-io", "enrolled"), (f"{facility.pk}-srs", "registered")]


def test_an_applications_status_history_lists_each_move(client, office_header, enrolled):
    application = submitted_application(enrolled.facility)
    ApplicationFactory(facility=FacilityFactory(status=Enrolment.Status.ENROLLED))  # a draft elsewhere
    rows = results(client.get(reverse("api:application-list"), {"status": "submitted"}, **office_header))
    assert [(r["id"], r["programme"], r["status"]) for r in rows] == [(application.pk, "io", "submitted")]
    history = client.get(reverse("api:application-history", args=[application.pk]), **office_header).json()
    assert [(move["from_status"], move["to_status"]) for move in history] == [("draft", "submitted")]
    assert history[0]["actor"] == {"id": enrolled.rep.pk, "name": str(enrolled.rep)}
    assert history[0]["summary"]
    assert client.get(reverse("api:application-history", args=[10**9]), **office_header).status_code == 404


def test_awards_show_their_programme_and_validity(client, office_header, chairperson):
    application = ApplicationFactory()
    decision = Decision.objects.create(application=application, outcome=Decision.Outcome.APPROVED,
                                       decided_by=chairperson, decided_on=timezone.localdate())
    expires = timezone.localdate() + timedelta(days=1000)
    award = Award.objects.create(facility=application.facility, decision=decision, tier=AwardTier.objects.get(code="accredited"), granted_on=timezone.localdate(),
                                 expires_on=expires)
    rows = results(client.get(reverse("api:award-list"), {"expires_before": expires.isoformat()}, **office_header))
    assert rows == [{"id": award.pk, "facility": application.facility_id, "application": application.pk,
                     "programme": "io", "decided_on": timezone.localdate().isoformat(),
                     "granted_on": timezone.localdate().isoformat(), "expires_on": expires.isoformat()}]
    assert results(client.get(reverse("api:award-list"), {"expires_before": timezone.localdate().isoformat()},
                              **office_header)) == []


def test_invoices_show_their_balance_and_filter_by_what_is_outstanding(client, office_header, office_user):
    paid = InvoiceFactory()
    PaymentFactory(invoice=paid, amount=paid.total)
    partly = InvoiceFactory()
    PaymentFactory(invoice=partly, amount=Decimal("100.00"))
    cancelled = InvoiceFactory()
    credit_note, _ = issue_credit_note(cancelled, office_user, reason="Wrong address")
    url = reverse("api:invoice-list")
    rows = {r["number"]: r for r in results(client.get(url, **office_header))}
    assert rows[partly.number]["paid"] == "100.00" and rows[partly.number]["outstanding"] == "1700.00"
    assert rows[paid.number]["outstanding"] == "0.00"
    assert rows[cancelled.number]["outstanding"] == "0.00"
    assert rows[credit_note.number]["credited_invoice"] == cancelled.number
    assert rows[partly.number]["lines"] == [{"position": 1, "description": "Enrolment fee", "amount": "1500.00"}]
    open_ = [r["number"] for r in results(client.get(url, {"outstanding": "true"}, **office_header))]
    assert open_ == [partly.number]
    settled = {r["number"] for r in results(client.get(url, {"outstanding": "false"}, **office_header))}
    assert settled == {paid.number, cancelled.number, credit_note.number}
    payments = results(client.get(reverse("api:payment-list"), {"invoice": partly.pk}, **office_header))
    assert [(p["invoice_number"], p["amount"], p["currency"]) for p in payments] == [(partly.number, "100.00", "EUR")]


def test_pages_hold_fifty_rows_and_at_most_two_hundred_on_request(client, office_header):
    Facility.objects.bulk_create([
        Facility(name=f"Centre {n:03d}", institution="H", address="A", city="C", country="AT", phone="1",
                 service_line="IR", annual_procedures=200, code=f"CODE-{n:04d}")
        for n in range(230)
    ])
    url = reverse("api:facility-list")
    first = client.get(url, **office_header).json()
    assert first["count"] == 230 and len(first["results"]) == 50 and first["next"]
    assert len(results(client.get(url, {"page_size": 1000}, **office_header))) == 200
    second = results(client.get(first["next"], **office_header))
    assert second[0]["name"] == "Centre 050"


# The public directory


def test_the_directory_shows_anyone_what_its_page_shows_and_nothing_more(client, db):
    listed = FacilityFactory(name="Vienna IO", status=Enrolment.Status.ACCREDITED,
                             award_expires_on=timezone.localdate() + timedelta(days=300))
    enrolled = FacilityFactory(name="Lyon IO", country="FR", status=Enrolment.Status.ENROLLED,
                               award_expires_on=timezone.localdate())
    FacilityFactory(name="Unlisted registered unit")
    response = client.get(reverse("api:directory-list"))
    body = response.content.decode()
    rows = results(response)
    assert [r["name"] for r in rows] == ["Lyon IO", "Vienna IO"]
    assert set(rows[0]) == {"name", "institution", "city", "country", "country_name", "programme", "status",
                            "award_expires_on"}
    assert rows[0]["award_expires_on"] is None  # an enrolled centre shows no date, as on the page
    assert rows[1]["award_expires_on"] == enrolment_of(listed).award_expires_on.isoformat()
    for private in (listed.code, enrolled.code, listed.authorised_representative.email, listed.phone, "Unlisted"):
        assert private not in body
    assert [r["name"] for r in results(client.get(reverse("api:directory-list"), {"country": "FR"}))] == ["Lyon IO"]
    assert client.get(reverse("api:directory-list"), {"status": "registered"}).status_code == 400


def test_the_directory_ignores_credentials_and_answers_429_beyond_its_rate(client, settings, db):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "directory": "3/minute"}}
    url = reverse("api:directory-list")
    assert client.get(url, HTTP_AUTHORIZATION="Token wrong").status_code == 200
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert int(client.get(url)["Retry-After"]) > 0


def test_each_person_is_throttled_on_their_own(client, settings, office_user, token_of):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "person": "2/minute"}}
    mine, colleagues = token_of(office_user), token_of(OfficeUserFactory())
    url = reverse("api:facility-list")
    assert [client.get(url, **mine).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(url, **colleagues).status_code == 200


# Recording a payment


def pay(client, invoice, header, **data):
    data = {"paid_on": timezone.localdate().isoformat(), "amount": "100.00", "reference": "BANK-1", **data}
    return client.post(reverse("api:invoice-payments", args=[invoice.pk]), data, content_type="application/json",
                       **header)


def test_a_payment_is_recorded_through_the_service_and_audited_with_the_tokens_person(
        client, office_user, office_header, registered, enrolment_invoice):
    invoice = enrolment_invoice
    response = pay(client, invoice, office_header, amount="100.00", reference="BANK-1")
    assert response.status_code == 201, response.content
    payment = Payment.objects.get()
    assert response.json()["id"] == payment.pk and response.json()["recorded_by"]["id"] == office_user.pk
    assert (payment.amount, payment.reference, payment.recorded_by) == (Decimal("100.00"), "BANK-1", office_user)
    entry = AuditEntry.objects.get(action="invoice.payment_recorded")
    assert entry.actor == office_user and entry.facility == registered.facility
    # The rest pays the enrolment invoice in full: the facility becomes an enrolled centre, as from the office's form.
    assert pay(client, invoice, office_header, amount="1700.00", reference="BANK-2").status_code == 201
    registered.facility.refresh_from_db()
    assert enrolment_of(registered.facility).status == Enrolment.Status.ENROLLED
    listed = client.get(reverse("api:invoice-payments", args=[invoice.pk]), **office_header).json()
    assert [p["reference"] for p in listed] == ["BANK-1", "BANK-2"]


def test_an_overpayment_is_refused_next_to_the_amount_and_nothing_is_written(client, office_header, registered, enrolment_invoice):
    invoice = enrolment_invoice
    audit_entries = AuditEntry.objects.count()
    response = pay(client, invoice, office_header, amount="1800.01")
    assert response.status_code == 400
    assert list(response.json()) == ["amount"]
    assert "1,800.00" in response.json()["amount"][0]
    assert not Payment.objects.exists() and AuditEntry.objects.count() == audit_entries


@pytest.mark.parametrize("data, field", [
    ({"amount": "-5"}, "amount"),
    ({"amount": "ten"}, "amount"),
    ({"amount": "1.001"}, "amount"),
    ({"paid_on": "yesterday"}, "paid_on"),
    ({"paid_on": "2999-01-01"}, "paid_on"),
    ({"paid_on": "2000-01-01"}, "paid_on"),
    ({"reference": ""}, "reference"),
    ({"reference": "R" * 101}, "reference"),
    ({"reference": "BANK\n1"}, "reference"),
    ({"submission_token": "not-a-uuid"}, "submission_token"),
])
def test_bad_input_answers_400_with_the_field_at_fault(client, office_header, registered, enrolment_invoice, data, field):
    invoice = enrolment_invoice
    response = pay(client, invoice, office_header, **data)
    assert response.status_code == 400
    assert field in response.json()
    assert not Payment.objects.exists()


def test_a_missing_body_or_a_repeated_reference_is_refused(client, office_header, registered, enrolment_invoice):
    invoice = enrolment_invoice
    response = client.post(reverse("api:invoice-payments", args=[invoice.pk]), "{not json",
                           content_type="application/json", **office_header)
    assert response.status_code == 400
    assert set(client.post(reverse("api:invoice-payments", args=[invoice.pk]), {}, content_type="application/json",
                           **office_header).json()) == {"paid_on", "amount", "reference"}
    assert pay(client, invoice, office_header, reference="BANK-7").status_code == 201
    again = pay(client, invoice, office_header, reference=" bank-7 ")
    assert again.status_code == 400 and "reference" in again.json()
    assert Payment.objects.count() == 1


def test_a_credit_note_takes_no_payment(client, office_user, office_header, registered, enrolment_invoice):
    invoice = enrolment_invoice
    credit_note, _ = issue_credit_note(invoice, office_user, reason="Wrong address")
    response = pay(client, credit_note, office_header)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A credit note takes no payments."]}


def test_the_same_submission_token_records_one_payment(client, office_header, registered, enrolment_invoice):
    invoice = enrolment_invoice
    key = "6f1c1f8e-5d7a-4d8e-9a4b-2d3f1b2c3d4e"
    first = pay(client, invoice, office_header, submission_token=key)
    again = pay(client, invoice, office_header, submission_token=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Payment.objects.count() == 1


def test_an_invoice_out_of_reach_answers_404_and_non_office_people_403(client, office_header, registered, enrolment_invoice, enrolled):
    assert client.post(reverse("api:invoice-payments", args=[10**9]), {}, content_type="application/json",
                       **office_header).status_code == 404
    invoice = enrolment_invoice
    for person in (registered.rep, enrolled.rep, AssessorFactory()):
        client.force_login(person)
        response = client.post(reverse("api:invoice-payments", args=[invoice.pk]),
                               {"paid_on": timezone.localdate().isoformat(), "amount": "1.00", "reference": "X"},
                               content_type="application/json")
        assert response.status_code == 403
    assert not Payment.objects.exists()


# Cost of a page


def _fill(rows, office_user):
    """``rows`` of every resource: facilities with an application, an award, an invoice with a payment."""
    for n in range(rows):
        application = ApplicationFactory()
        Application.objects.filter(pk=application.pk).update(status="approved")
        decision = Decision.objects.create(application=application, outcome="approved", decided_by=office_user,
                                           decided_on=timezone.localdate())
        Award.objects.create(facility=application.facility, decision=decision, tier=AwardTier.objects.get(code="accredited"), granted_on=timezone.localdate(),
                             expires_on=timezone.localdate() + timedelta(days=900))
        PaymentFactory(invoice=InvoiceFactory(facility=application.facility), amount=Decimal("10.00"),
                       recorded_by=office_user)


LISTS = ["facility-list", "enrolment-list", "application-list", "award-list", "invoice-list", "payment-list",
         "directory-list"]


def _queries(client, header, name):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"api:{name}"), {"page_size": 100}, **header)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_every_list_costs_the_same_number_of_queries_for_one_row_and_for_fifty(client, office_user, office_header):
    _fill(1, office_user)
    client.get(reverse("api:facility-list"), **office_header)  # the token's first use notes when it was used
    one = {name: _queries(client, office_header, name) for name in LISTS}
    _fill(49, office_user)
    fifty = {name: _queries(client, office_header, name) for name in LISTS}
    assert {name: rows for name, (_, rows) in fifty.items()} == {name: 50 for name in LISTS}
    assert {name: count for name, (count, _) in fifty.items()} == {name: count for name, (count, _) in one.items()}
    assert max(count for count, _ in one.values()) <= 4  # the token, the count, the page (and invoice lines)


# The schema and its documentation


def test_the_published_schema_validates_without_warnings(tmp_path, db):
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    schema_file = tmp_path / "schema.yaml"
    # --validate checks it against the OpenAPI 3 JSON schema; --fail-on-warn fails on any unresolved type or name.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    spec, _ = read_from_filename(str(schema_file))
    validate(spec)
    assert {"/api/v1/invoices/{id}/payments/", "/api/v1/directory/", "/api/v1/enrolments/{id}/"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["personalToken"]["in"] == "header"


def test_the_schema_url_serves_it_and_the_docs_use_only_the_portals_own_files(client, db):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "IO Accreditation Portal API"
    docs = client.get(reverse("api:docs"))
    html = docs.content.decode()
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html and "<script>" not in html  # the CSP runs no inline script and loads no CDN
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
