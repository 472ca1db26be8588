"""Every portal URL x every role: the expected status, and no page shows another facility's data.

A new URL without an expectation here fails ``test_every_portal_url_has_an_expectation``.
"""
from types import SimpleNamespace

import pytest
from django.urls import reverse

from facilities.models import Facility
from invoicing.services import store_invoice_pdf

from .conftest import people_of
from .factories import (
    AssessorFactory,
    ChairpersonFactory,
    FacilityDocumentFactory,
    FacilityFactory,
    InvoiceFactory,
    MessageFactory,
    OfficeUserFactory,
    PublishedDocumentFactory,
)
from .urlmatrix import portal_url_names

ROLES = ["anonymous", "member", "holder", "deputy", "rep", "other_facility", "assessor", "office", "chair"]
STAFF = ["member", "holder", "deputy", "rep", "other_facility"]
OFFICE = ["office", "chair"]


def expect(default, **per_role):
    """Expected status per role: ``default`` for everyone signed in, anonymous sent to sign in (302)."""
    codes = {role: default for role in ROLES}
    codes["anonymous"] = 302
    codes.update(per_role)
    return codes


def staff_only(**per_role):
    return expect(403, **{**{role: 200 for role in STAFF}, **per_role})


def office_only(**per_role):
    return expect(403, **{**{role: 200 for role in OFFICE}, **per_role})


PUBLIC = {role: 200 for role in ROLES}

# url name -> (kwargs from the world, expected status per role). Facility A is the one under test.
MATRIX = {
    "home": (lambda w: {}, expect(302, anonymous=200)),
    "register_facility": (lambda w: {}, PUBLIC),
    "registered": (lambda w: {}, PUBLIC),
    "facilities:dashboard": (lambda w: {}, staff_only()),
    "facilities:profile": (lambda w: {}, staff_only()),
    # other_facility is facility B's authorised representative: it edits B's own profile.
    "facilities:profile_edit": (lambda w: {}, staff_only(member=403, deputy=403)),
    "office:facilities": (lambda w: {}, office_only()),
    "office:facility": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "office:facility_edit": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "assessment:queue": (lambda w: {}, expect(403, assessor=200)),
    # Invoices: the authorised representative, deputy and main account holder, and the office.
    "invoicing:invoices": (lambda w: {}, staff_only(member=403)),
    "invoicing:invoice_pdf": (lambda w: {"pk": w.a.invoice.pk}, expect(403, holder=200, deputy=200, rep=200, other_facility=404, office=200, chair=200)),
    "invoicing:office_invoices": (lambda w: {}, office_only()),
    "invoicing:office_invoice": (lambda w: {"pk": w.a.invoice.pk}, office_only()),
    "invoicing:record_payment": (lambda w: {"pk": w.a.invoice.pk}, office_only()),
    "invoicing:issue_credit_note": (lambda w: {"pk": w.a.invoice.pk}, office_only()),
    # Messages and documents: every member of the facility, and the office.
    "correspondence:messages": (lambda w: {}, staff_only()),
    "correspondence:documents": (lambda w: {}, staff_only()),
    "correspondence:enrolled_logo": (lambda w: {}, staff_only()),
    "correspondence:published_document": (lambda w: {"pk": w.published.pk}, expect(200, assessor=403)),
    "correspondence:facility_document": (lambda w: {"pk": w.a.document.pk}, expect(200, other_facility=404, assessor=403)),
    "correspondence:office_inbox": (lambda w: {}, office_only()),
    "correspondence:office_thread": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "correspondence:office_documents": (lambda w: {}, office_only()),
}


@pytest.fixture
def world(db):
    a = people_of(FacilityFactory(name="Aardvark Liver Unit", status=Facility.Status.ENROLLED))
    b = people_of(FacilityFactory(name="Zebrafish Tumour Centre", status=Facility.Status.ENROLLED))
    for facility in (a, b):
        facility.invoice = InvoiceFactory(facility=facility.facility)
        facility.document = FacilityDocumentFactory(facility=facility.facility)
        MessageFactory(facility=facility.facility)
    users = {
        "anonymous": None,
        "member": a.member,
        "holder": a.holder,
        "deputy": a.deputy,
        "rep": a.rep,
        "other_facility": b.rep,
        "assessor": AssessorFactory(),
        "office": OfficeUserFactory(),
        "chair": ChairpersonFactory(),
    }
    store_invoice_pdf(a.invoice)
    return SimpleNamespace(a=a, b=b, users=users, published=PublishedDocumentFactory())


def test_every_portal_url_has_an_expectation(db):
    collected = portal_url_names()
    assert collected - MATRIX.keys() == set(), "URLs without an expectation in the permission matrix"
    assert MATRIX.keys() - collected == set(), "expectations for URLs that no longer exist"


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_permission_matrix(client, world, url_name):
    kwargs_of, expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=kwargs_of(world))
    failures = []
    for role in ROLES:
        user = world.users[role]
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        if response.status_code != expected[role]:
            failures.append(f"{role}: expected {expected[role]}, got {response.status_code}")
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode(errors="replace")
        if role in STAFF and role != "other_facility":
            leaked = [marker for marker in (world.b.facility.name, world.b.facility.code, world.b.rep.email) if marker in body]
        elif role == "other_facility" or role == "assessor":
            leaked = [marker for marker in (world.a.facility.name, world.a.facility.code, world.a.rep.email) if marker in body]
        else:
            leaked = []
        if leaked:
            failures.append(f"{role}: page shows another facility's data {leaked}")
    assert not failures, f"{url_name} ({url}): " + "; ".join(failures)
