"""Every portal URL x every role: the expected status, and no page shows another facility's data.

A new URL without an expectation here fails ``test_every_portal_url_has_an_expectation``.
"""
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse

from applications.models import Question
from applications.services import open_application
from facilities.models import Facility

from .conftest import people_of
from .factories import AssessorFactory, ChairpersonFactory, FacilityFactory, OfficeUserFactory, ReviewCaseFactory
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
    "office:enrol": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "office:application": (lambda w: {"pk": w.a_application.pk}, office_only()),
    "assessment:queue": (lambda w: {}, expect(403, assessor=200)),
    "applications:application": (lambda w: {}, staff_only()),
    "applications:summary": (lambda w: {}, staff_only()),
    # GET on an answer URL leads back to the question on the application page.
    "applications:answer": (lambda w: {"question_pk": w.question.pk}, staff_only(**{r: 302 for r in STAFF})),
    "applications:submit": (lambda w: {}, staff_only(member=403, deputy=403, holder=403)),
    "casereview:review": (lambda w: {}, staff_only()),
    "casereview:summary": (lambda w: {}, staff_only()),
    "casereview:draw": (lambda w: {}, staff_only()),
    "casereview:export_csv": (lambda w: {}, staff_only()),
    "casereview:export_pdf": (lambda w: {}, staff_only()),
    # A case of facility A: facility B's staff do not find it.
    "casereview:case": (lambda w: {"pk": w.a_case.pk}, staff_only(other_facility=404)),
    "casereview:delete_case": (lambda w: {"pk": w.a_case.pk}, staff_only(other_facility=404)),
    "office:case_review": (lambda w: {"pk": w.a_application.pk}, office_only()),
}


def text_of(response):
    """What a person reads in the response; a PDF's text is compressed, so it is extracted first."""
    if response.get("Content-Type") == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode()


@pytest.fixture
def world(db):
    a = people_of(FacilityFactory(name="Aardvark Liver Unit", status=Facility.Status.ENROLLED))
    b = people_of(FacilityFactory(name="Zebrafish Tumour Centre", status=Facility.Status.ENROLLED))
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
    a_application = open_application(a.facility)
    question = Question.objects.get(standard__question_set=a_application.question_set, number=13)
    a_case = ReviewCaseFactory(application=a_application, record_identifier="AARDVARK-CASE-1")
    return SimpleNamespace(a=a, b=b, users=users, a_application=a_application, question=question, a_case=a_case)


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
        body = text_of(response)
        if role in STAFF and role != "other_facility":
            leaked = [marker for marker in (world.b.facility.name, world.b.facility.code, world.b.rep.email) if marker in body]
        elif role == "other_facility" or role == "assessor":
            markers = (world.a.facility.name, world.a.facility.code, world.a.rep.email, world.a_case.record_identifier)
            leaked = [marker for marker in markers if marker in body]
        else:
            leaked = []
        if leaked:
            failures.append(f"{role}: page shows another facility's data {leaked}")
    assert not failures, f"{url_name} ({url}): " + "; ".join(failures)
