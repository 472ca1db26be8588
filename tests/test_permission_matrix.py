"""Every portal URL x every role: the expected status, and no page shows another facility's data.

A new URL without an expectation here fails ``test_every_portal_url_has_an_expectation``.
"""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accreditation.models import Export
from api.services import create_token
from applications.models import Application, AwardTier, Programme, FindingArea, Pathway, PathwayStep, Question
from applications.permissions import ASSESS
from applications.services import open_application
from applications.workflow import Status
from assessment.models import (
    Assignment, Audit, Award, Decision, DosimetryAudit, DosimetryPoint, RemoteReview, Reply, Round, SiteVisit, Verdict,
)
from casereview.models import CaseDraw
from facilities.models import Enrolment, Facility
from invoicing.services import store_invoice_pdf

from .conftest import body_of, pdf_text, people_of
from .factories import (
    enrolment_of,
    ApplicationFactory,
    AppointmentFactory,
    AssessorFactory,
    ChairpersonFactory,
    ConsultationRequestFactory,
    FacilityDocumentFactory,
    FacilityFactory,
    InvoiceFactory,
    MessageFactory,
    OfficeUserFactory,
    PaymentFactory,
    PublishedDocumentFactory,
    ReviewCaseFactory,
)
from .urlmatrix import portal_url_names

ROLES = [
    "anonymous", "member", "holder", "deputy", "rep", "other_facility", "assessor", "assigned_assessor", "office", "chair",
]
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


def api_office_only(**per_role):
    """The REST API's office endpoints: without credentials 401 (it asks for a token), signed in but not office 403."""
    return office_only(anonymous=401, **per_role)


PUBLIC = {role: 200 for role in ROLES}
# Pages whose purpose is to list facilities publicly: names may appear there, codes and people never.
PUBLIC_LISTINGS = {"directory", "api:directory-list"}

# url name -> (kwargs from the world, expected status per role). Facility A is the one under test.
MATRIX = {
    "home": (lambda w: {}, expect(302, anonymous=200)),
    "register_facility": (lambda w: {}, PUBLIC),
    # A programme's registration form: anyone, as the choice page before it.
    "register_for_programme": (lambda w: {"code": "io"}, PUBLIC),
    "registered": (lambda w: {}, PUBLIC),
    # The language switcher posts; anyone may switch, signed in or not.
    "set_language": (lambda w: {}, {role: 405 for role in ROLES}),
    # A pending appointment at facility A of someone outside the world: only that person finds it.
    "accept_appointment": (lambda w: {"pk": w.appointment.pk}, expect(404)),
    "facilities:dashboard": (lambda w: {}, staff_only()),
    "facilities:profile": (lambda w: {}, staff_only()),
    # other_facility is facility B's authorised representative: it edits B's own profile.
    "facilities:profile_edit": (lambda w: {}, staff_only(member=403, deputy=403)),
    # People and the code: the authorised representative and the main account holder (B's own, for other_facility).
    "facilities:appoint_role": (lambda w: {}, staff_only(member=403, deputy=403)),
    "facilities:new_code": (lambda w: {}, staff_only(member=403, deputy=403)),
    "facilities:remove_member": (lambda w: {"user_pk": w.a.member.pk}, staff_only(member=403, deputy=403, other_facility=404)),
    # Enrolling in a further programme: the authorised representative (B's own for other_facility); SRS is open here.
    "facilities:add_enrolment": (lambda w: {}, staff_only(member=403, deputy=403, holder=403)),
    "facilities:add_enrolment_for": (lambda w: {"code": "srs"}, staff_only(member=403, deputy=403, holder=403)),
    "office:attention": (lambda w: {}, office_only()),
    "office:facilities": (lambda w: {}, office_only()),
    "office:facility": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "office:facility_edit": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "office:appoint_role": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "office:new_code": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "office:remove_member": (lambda w: {"pk": w.a.facility.pk, "user_pk": w.a.member.pk}, office_only()),
    "office:application": (lambda w: {"pk": w.a_application.pk}, office_only()),
    "assessment:queue": (lambda w: {}, expect(403, assessor=200, assigned_assessor=200)),
    # Matching: an assessor's own profile; declining an assignment (facility A's application: its assessor only).
    "assessment:profile": (lambda w: {}, expect(403, assessor=200, assigned_assessor=200)),
    "assessment:decline": (lambda w: {"pk": w.a_application.pk}, expect(403, assessor=404, assigned_assessor=200)),
    "assessment:assign_all": (lambda w: {}, office_only()),
    "assessment:assessors": (lambda w: {}, office_only()),
    # Assessor pages of facility A's application: only its assigned assessor; another assessor gets 404.
    "assessment:review": (lambda w: {"pk": w.a_application.pk}, expect(403, assessor=404, assigned_assessor=200)),
    "assessment:verdict": (
        lambda w: {"pk": w.a_application.pk, "question_pk": w.question.pk}, expect(403, assessor=404, assigned_assessor=405)
    ),
    "assessment:complete_round": (lambda w: {"pk": w.a_application.pk}, expect(403, assessor=404, assigned_assessor=405)),
    "assessment:recommend": (lambda w: {"pk": w.a_application.pk}, expect(403, assessor=404, assigned_assessor=405)),
    "assessment:case_review": (lambda w: {"pk": w.a_application.pk}, expect(403, assessor=404, assigned_assessor=200)),
    "assessment:plan_review": (lambda w: {"pk": w.a_application.pk}, expect(403, assessor=404, assigned_assessor=405)),
    "assessment:feedback": (lambda w: {}, staff_only()),
    "assessment:reply": (lambda w: {"verdict_pk": w.verdict.pk}, staff_only(**{r: 405 for r in STAFF})),
    "assessment:resubmit": (lambda w: {}, staff_only(member=403, deputy=403, holder=403)),
    "assessment:action_plan": (lambda w: {}, staff_only(member=403, deputy=403, holder=403)),
    # No award yet: nothing to download.
    "assessment:certificate": (lambda w: {}, staff_only(**{r: 404 for r in STAFF})),
    "assessment:seal": (lambda w: {}, staff_only(**{r: 404 for r in STAFF})),
    "assessment:evidence": (
        lambda w: {"pk": w.reply.pk},
        expect(200, other_facility=404, assessor=404),
    ),
    "assessment:office_list": (lambda w: {}, office_only()),
    "assessment:assign": (lambda w: {"pk": w.a_application.pk}, office_only()),
    "assessment:schedule_audit": (lambda w: {"pk": w.a_application.pk, "kind": "remote"}, office_only()),
    "assessment:audit_outcome": (lambda w: {"pk": w.audit.pk}, office_only()),
    "assessment:decide": (lambda w: {"pk": w.a_application.pk}, expect(403, chair=200)),
    # A pathway's expert steps: the office schedules them; the facility, the assigned assessors and the office read
    # their records; the record's expert (the assigned assessor here) and the office record them.
    "assessment:schedule_step": (lambda w: {"pk": w.a_application.pk, "step_pk": w.site_visit.step.pk}, office_only()),
    "assessment:site_visit": (lambda w: {"pk": w.site_visit.pk}, expect(200, other_facility=404, assessor=404)),
    "assessment:dosimetry_audit": (lambda w: {"pk": w.dosimetry_audit.pk}, expect(200, other_facility=404, assessor=404)),
    "assessment:remote_review": (lambda w: {"pk": w.remote_review.pk}, expect(200, other_facility=404, assessor=404)),
    "assessment:remeasure_point": (
        lambda w: {"pk": w.dosimetry_audit.pk, "point_pk": w.dosimetry_point.pk},
        expect(403, other_facility=404, assessor=404, assigned_assessor=200, office=200, chair=200),
    ),
    "assessment:complete_dosimetry_audit": (
        lambda w: {"pk": w.dosimetry_audit.pk},
        expect(403, other_facility=404, assessor=404, assigned_assessor=405, office=405, chair=405),
    ),
    "directory": (lambda w: {}, PUBLIC),
    "applications:application": (lambda w: {}, staff_only()),
    "applications:standard": (lambda w: {"number": 1}, staff_only()),
    # A question by number leads to its standard's page.
    "applications:question": (lambda w: {"number": 1}, staff_only(**{r: 302 for r in STAFF})),
    "applications:summary": (lambda w: {}, staff_only()),
    # GET on an answer URL leads back to the question on the application page.
    "applications:answer": (lambda w: {"question_pk": w.question.pk}, staff_only(**{r: 302 for r in STAFF})),
    "applications:submit": (lambda w: {}, staff_only(member=403, deputy=403, holder=403)),
    "applications:reaccreditation": (lambda w: {}, staff_only(member=403, deputy=403, holder=403)),
    # Invoices: the authorised representative, deputy and main account holder, and the office.
    "invoicing:invoices": (lambda w: {}, staff_only(member=403)),
    "invoicing:invoice_pdf": (lambda w: {"pk": w.a.invoice.pk}, expect(403, holder=200, deputy=200, rep=200, other_facility=404, office=200, chair=200)),
    "invoicing:office_invoices": (lambda w: {}, office_only()),
    "invoicing:office_invoice": (lambda w: {"pk": w.a.invoice.pk}, office_only()),
    "invoicing:record_payment": (lambda w: {"pk": w.a.invoice.pk}, office_only()),
    "invoicing:issue_credit_note": (lambda w: {"pk": w.a.invoice.pk}, office_only()),
    # Re-running a failed PDF rendering: a POST button of the office.
    "invoicing:render_invoice_pdf": (lambda w: {"pk": w.a.invoice.pk}, office_only(office=405, chair=405)),
    "invoicing:issue_fee_item_invoice": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    # Consultations: the invoice roles ask for them (other_facility, B's representative, for B); the office answers.
    "invoicing:request_consultation": (lambda w: {}, staff_only(member=403)),
    "invoicing:withdraw_consultation": (lambda w: {"pk": w.a.consultation.pk}, staff_only(member=403, other_facility=404)),
    "invoicing:office_consultations": (lambda w: {}, office_only()),
    "invoicing:office_consultation": (lambda w: {"pk": w.a.consultation.pk}, office_only()),
    "invoicing:accept_consultation": (lambda w: {"pk": w.a.consultation.pk}, office_only()),
    "invoicing:decline_consultation": (lambda w: {"pk": w.a.consultation.pk}, office_only()),
    "assessment:render_certificate": (lambda w: {"pk": w.a_application.pk}, office_only(office=405, chair=405)),
    # Messages and documents: every member of the facility, and the office.
    "correspondence:messages": (lambda w: {}, staff_only()),
    "correspondence:documents": (lambda w: {}, staff_only()),
    "correspondence:enrolled_logo": (lambda w: {}, staff_only()),
    "correspondence:published_document": (lambda w: {"pk": w.published.pk}, expect(200, assessor=403, assigned_assessor=403)),
    "correspondence:facility_document": (lambda w: {"pk": w.a.document.pk}, expect(200, other_facility=404, assessor=403, assigned_assessor=403)),
    "correspondence:office_inbox": (lambda w: {}, office_only()),
    "correspondence:office_thread": (lambda w: {"pk": w.a.facility.pk}, office_only()),
    "correspondence:office_documents": (lambda w: {}, office_only()),
    "casereview:review": (lambda w: {}, staff_only()),
    "casereview:summary": (lambda w: {}, staff_only()),
    "casereview:draw": (lambda w: {}, staff_only()),
    "casereview:export_csv": (lambda w: {}, staff_only()),
    "casereview:export_pdf": (lambda w: {}, staff_only()),
    # A case of facility A: facility B's staff do not find it.
    "casereview:case": (lambda w: {"pk": w.a_case.pk}, staff_only(other_facility=404)),
    "casereview:delete_case": (lambda w: {"pk": w.a_case.pk}, staff_only(other_facility=404)),
    "office:case_review": (lambda w: {"pk": w.a_application.pk}, office_only()),
    "office:repeat_draw": (lambda w: {"pk": w.a_application.pk}, office_only()),
    # Lists and their downloads (accreditation.exports); a worker's export is its requester's alone (chair: 404).
    "office:audit_trail": (lambda w: {}, office_only()),
    "assessment:office_awards": (lambda w: {}, office_only()),
    "assessment:office_assessors": (lambda w: {}, office_only()),
    "invoicing:office_payments": (lambda w: {}, office_only()),
    "office:export_list": (lambda w: {"list_name": "facilities", "fmt": "csv"}, office_only()),
    "office:exports": (lambda w: {}, office_only()),
    "office:export": (lambda w: {"pk": w.export.pk}, office_only(chair=404)),
    "office:export_download": (lambda w: {"pk": w.export.pk}, office_only(chair=404)),
    "assessment:repeat_draw": (lambda w: {"pk": w.a_application.pk}, expect(403, assessor=404, assigned_assessor=200)),
    # The REST API: office staff and the chairperson (by token or signed in); its schema, docs and the directory are public.
    "api:facility-list": (lambda w: {}, api_office_only()),
    "api:facility-detail": (lambda w: {"pk": w.a.facility.pk}, api_office_only()),
    "api:enrolment-list": (lambda w: {}, api_office_only()),
    "api:enrolment-detail": (lambda w: {"id": f"{w.a.facility.pk}-io"}, api_office_only()),
    "api:application-list": (lambda w: {}, api_office_only()),
    "api:application-detail": (lambda w: {"pk": w.a_application.pk}, api_office_only()),
    "api:application-history": (lambda w: {"pk": w.a_application.pk}, api_office_only()),
    "api:award-list": (lambda w: {}, api_office_only()),
    "api:award-detail": (lambda w: {"pk": w.award.pk}, api_office_only()),
    "api:invoice-list": (lambda w: {}, api_office_only()),
    "api:invoice-detail": (lambda w: {"pk": w.a.invoice.pk}, api_office_only()),
    "api:invoice-payments": (lambda w: {"pk": w.a.invoice.pk}, api_office_only()),
    "api:payment-list": (lambda w: {}, api_office_only()),
    "api:payment-detail": (lambda w: {"pk": w.payment.pk}, api_office_only()),
    "api:directory-list": (lambda w: {}, PUBLIC),
    "api:schema": (lambda w: {}, PUBLIC),
    "api:docs": (lambda w: {}, PUBLIC),
    # Each person's own API tokens: the token here is the office user's, so the chairperson does not find it.
    "api:tokens": (lambda w: {}, office_only()),
    "api:create_token": (lambda w: {}, office_only()),
    "api:revoke_token": (lambda w: {"pk": w.token.pk}, office_only(chair=404)),
    # The office's reports and their CSV tables: the office and the chairperson.
    "reports:index": (lambda w: {}, office_only()),
    "reports:csv": (lambda w: {"figure": "applications-per-status"}, office_only()),
}


def text_of(response):
    """What a person reads in the response; a PDF's text is compressed, so it is extracted first."""
    content = body_of(response)
    if response.get("Content-Type") == "application/pdf" and b"startxref" in content:
        return pdf_text(content)
    return content.decode(errors="replace")  # uploaded test files are stand-ins, not full documents


@pytest.fixture
def world(db):
    Programme.objects.filter(code="srs").update(is_open_for_registration=True)
    a = people_of(FacilityFactory(name="Aardvark Liver Unit", status=Enrolment.Status.ENROLLED))
    b = people_of(FacilityFactory(name="Zebrafish Tumour Centre", status=Enrolment.Status.ENROLLED))
    for facility in (a, b):
        facility.invoice = InvoiceFactory(facility=facility.facility)
        facility.document = FacilityDocumentFactory(facility=facility.facility)
        MessageFactory(facility=facility.facility)
        facility.consultation = ConsultationRequestFactory(facility=facility.facility, requested_by=facility.rep)
    users = {
        "anonymous": None,
        "member": a.member,
        "holder": a.holder,
        "deputy": a.deputy,
        "rep": a.rep,
        "other_facility": b.rep,
        "assessor": AssessorFactory(),
        "assigned_assessor": AssessorFactory(),
        "office": OfficeUserFactory(),
        "chair": ChairpersonFactory(),
    }
    # Facility A's application is in its first clarification round, with a reply carrying evidence
    # (rows written directly: the workflow itself is tested in test_assessment.py).
    a_application = open_application(enrolment_of(a.facility))
    Application.objects.filter(pk=a_application.pk).update(status=Status.CLARIFICATION_REQUESTED)
    assessor = users["assigned_assessor"]
    Assignment.objects.create(application=a_application, assessor=assessor, slot=1, assigned_by=users["office"])
    assign_perm(ASSESS, assessor, a_application)
    question = Question.objects.get(standard__question_set=a_application.question_set, number=13)
    round_ = Round.objects.create(application=a_application, number=1, closed_at=timezone.now(),
                                  reply_due=timezone.localdate())
    verdict = Verdict.objects.create(round=round_, assessor=assessor, question=question,
                                     outcome=Verdict.Outcome.CLARIFICATION, comment="Show the review form.")
    reply = Reply.objects.create(verdict=verdict, author=a.member, text="Attached.",
                                 evidence=ContentFile(b"%PDF-1.4", name="evidence.pdf"))
    audit = Audit.objects.create(application=a_application, kind=Audit.Kind.REMOTE, scheduled_for=timezone.now(),
                                 video_link="https://video.example/a", participants="Team A", scheduled_by=users["office"])
    # Its pathway (a version of the office's, written here) has the expert steps, each with a record.
    pathway = Pathway.objects.create(programme=a_application.question_set.programme, version=99, review_rounds=2,
                                     dose_tolerance_percent=5, position_tolerance_mm=1)
    kinds = ["site_visit", "dosimetry_audit", "remote_review"]
    step = {kind: PathwayStep.objects.create(pathway=pathway, position=n, kind=kind, title=kind)
            for n, kind in enumerate(kinds, start=1)}
    FindingArea.objects.create(step=step["site_visit"], number=1, name="Patient selection")
    Application.objects.filter(pk=a_application.pk).update(pathway=pathway)
    a_application.refresh_from_db()
    expert = {"application": a_application, "expert": assessor, "scheduled_by": users["office"]}
    today = timezone.localdate()
    site_visit = SiteVisit.objects.create(step=step["site_visit"], starts_on=today, ends_on=today, agenda="Two days.",
                                          **expert)
    dosimetry_audit = DosimetryAudit.objects.create(step=step["dosimetry_audit"], performed_on=today, **expert)
    dosimetry_point = DosimetryPoint.objects.create(audit=dosimetry_audit, label="Target 1", planned_dose_gy=20,
                                                    measured_dose_gy=22, recorded_by=assessor)
    remote_review = RemoteReview.objects.create(step=step["remote_review"], held_at=timezone.now(),
                                                video_link="https://video.example/review", **expert)
    store_invoice_pdf(a.invoice)
    a_case = ReviewCaseFactory(application=a_application, record_identifier="AARDVARK-CASE-1")
    CaseDraw.objects.create(review=a_case.review, number=1, seed=5, list_size=40, list_sha256="0" * 64,
                            record_identifiers=[a_case.record_identifier], drawn_at=timezone.now())
    export = Export.objects.create(requested_by=users["office"], list_name="facilities", format="csv", language="en",
                                   status=Export.Status.DONE, file=ContentFile(b"Facility\r\n", name="facilities.csv"))
    # An award of a third facility (A's and B's own pages answer "no award yet").
    decision = Decision.objects.create(application=ApplicationFactory(), outcome=Decision.Outcome.APPROVED,
                                       decided_by=users["chair"], decided_on=timezone.localdate())
    award = Award.objects.create(facility=decision.application.facility, decision=decision, tier=AwardTier.objects.get(code="accredited"),
                                 granted_on=timezone.localdate(),
                                 expires_on=timezone.localdate() + timedelta(days=3 * 365))
    payment = PaymentFactory(invoice=a.invoice, amount=Decimal("100.00"), recorded_by=users["office"])
    token, _ = create_token(users["office"], name="Finance system")
    return SimpleNamespace(a=a, b=b, users=users, a_application=a_application, export=export, question=question,
                           award=award, payment=payment, token=token,
                           verdict=verdict, reply=reply, audit=audit, published=PublishedDocumentFactory(), a_case=a_case,
                           appointment=AppointmentFactory(facility=a.facility), site_visit=site_visit,
                           dosimetry_audit=dosimetry_audit, dosimetry_point=dosimetry_point, remote_review=remote_review)


def test_every_portal_url_has_an_expectation(db):
    collected = portal_url_names()
    assert collected - MATRIX.keys() == set(), "URLs without an expectation in the permission matrix"
    assert MATRIX.keys() - collected == set(), "expectations for URLs that no longer exist"


def private_markers(people, url_name):
    markers = [people.facility.code, people.rep.email]
    return markers if url_name in PUBLIC_LISTINGS else markers + [people.facility.name]


ENROLMENT_PAGES = sorted(name for name in MATRIX if name.split(":")[0] in ("applications", "casereview") or name in {
    "assessment:feedback", "assessment:reply", "assessment:resubmit", "assessment:action_plan", "assessment:certificate",
    "assessment:seal"})


def url_of(world, url_name, programme):
    """The page's address; for an enrolment's page, under the programme's code when one is given."""
    kwargs_of, _expected = MATRIX[url_name]
    return reverse(url_name, kwargs={**kwargs_of(world), **({"programme": programme} if programme else {})})


@pytest.mark.parametrize("url_name,programme", [(name, None) for name in sorted(MATRIX)]
                         + [(name, "io") for name in ENROLMENT_PAGES])
def test_permission_matrix(client, world, url_name, programme):
    """Each page for each role; an enrolment's pages also at /facility/<programme code>/…, which answer the same."""
    _kwargs_of, expected = MATRIX[url_name]
    url = url_of(world, url_name, programme)
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
        if (role in STAFF and role != "other_facility") or role == "assigned_assessor":
            leaked = [marker for marker in private_markers(world.b, url_name) if marker in body]
        elif role == "other_facility" or role == "assessor":
            markers = private_markers(world.a, url_name) + [world.a_case.record_identifier]
            leaked = [marker for marker in markers if marker in body]
        else:
            leaked = []
        if leaked:
            failures.append(f"{role}: page shows another facility's data {leaked}")
    assert not failures, f"{url_name} ({url}): " + "; ".join(failures)


API_ENDPOINTS = sorted(name for name in MATRIX if name.startswith("api:") and "token" not in name)


@pytest.mark.parametrize("url_name", API_ENDPOINTS)
def test_every_api_endpoint_answers_a_token_as_it_answers_its_person_signed_in(client, world, url_name):
    """Office staff and the chairperson hold tokens (no one else may); a wrong token is refused unless the
    endpoint is public and reads no credentials (the directory)."""
    kwargs_of, expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=kwargs_of(world))
    for role in OFFICE:
        _, key = create_token(world.users[role], name="Matrix")
        assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == expected[role], (role, url)
    wrong = client.get(url, HTTP_AUTHORIZATION="Token iop_wrong").status_code
    assert wrong == (200 if url_name == "api:directory-list" else 401), url


@pytest.mark.parametrize("url_name", ENROLMENT_PAGES)
def test_a_programme_the_facility_is_not_enrolled_in_has_no_pages(client, world, url_name):
    for role in STAFF:
        client.force_login(world.users[role])
        assert client.get(url_of(world, url_name, "srs")).status_code == 404, role
