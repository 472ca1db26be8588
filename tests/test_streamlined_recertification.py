"""Re-accreditation's assessment path: a centre that declares no major change follows its pathway's streamlined
path where the pathway has one (SRS: questionnaire, postal dosimetry audit, remote review; no site visit) and is
invoiced the fee list's item for it; a declared change, or a programme without a shorter path, means the full one."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applications.models import Answer, Application, Pathway, PathwayStep, Programme
from applications.services import submit_application
from assessment import services as assessment
from assessment import steps
from assessment.models import Award, RemoteReview, StepOutcome
from facilities.models import AuditEntry, Enrolment, Facility
from invoicing.models import FeeItem, Invoice

from .conftest import people_of
from .factories import ChairpersonFactory, FacilityFactory
from .workflow_steps import assign, finish_round, pass_expert_steps, submitted_application

pytestmark = pytest.mark.django_db

NO_CHANGE = {"department_changed": "no"}
A_NEW_PLATFORM = {"department_changed": "yes", "department_changes": ["equipment"],
                  "department_changes_described": "A new radiosurgery platform."}


@pytest.fixture
def srs():
    return people_of(FacilityFactory(programme=Programme.objects.get(code="srs"), status=Enrolment.Status.ENROLLED))


def awarded(people, expires_in_days=30):
    """The centre's application approved after every step of its path, the award expiring soon."""
    application = submitted_application(people.facility)
    assessors = assign(application)
    finish_round(application, assessors)
    for assessor in assessors:
        assessment.recommend(application, assessor, "approve", "Meets the standards.")
    pass_expert_steps(application)
    assessment.sign_off_decision(application, ChairpersonFactory(), "approved")
    expires_on = timezone.localdate() + timedelta(days=expires_in_days)
    Enrolment.objects.filter(facility=people.facility).update(award_expires_on=expires_on)
    Award.objects.filter(facility=people.facility).update(expires_on=expires_on)
    people.facility.refresh_from_db()
    return application


def start(client, people, form):
    client.force_login(people.rep)
    return client.post(reverse("applications:reaccreditation"), form)


def fee_invoices(facility):
    return Invoice.objects.filter(facility=facility, fee_item__isnull=False)


def test_the_re_certification_page_says_what_each_answer_leads_to(client, srs, enrolled):
    for people in (srs, enrolled):
        awarded(people)
    client.force_login(srs.rep)
    page = client.get(reverse("applications:reaccreditation")).content.decode()
    assert "the streamlined re-certification, at its lower fee" in page
    no_change, change = page.split("No major change")[1].split("A change to equipment, team or technique")
    assert "Postal end-to-end dosimetry audit" in no_change and "Two-day site visit" not in no_change
    assert "Two-day site visit" in change and "Postal" not in change
    client.force_login(enrolled.rep)
    page = client.get(reverse("applications:reaccreditation")).content.decode()
    assert "Your programme assesses every re-accreditation in full" in page and "streamlined" not in page


def test_no_major_change_streamlines_the_srs_re_certification_and_invoices_its_lower_fee_once(
    client, srs, django_capture_on_commit_callbacks
):
    awarded(srs)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert start(client, srs, NO_CHANGE).status_code == 302
    assert b"already started" in start(client, srs, NO_CHANGE).content  # a second submit starts nothing more
    renewal = Application.objects.get(facility=srs.facility, renews__isnull=False)
    assert renewal.assessment_path == "streamlined"
    assert [step.kind for step in renewal.path_steps()] == ["review_rounds", "dosimetry_audit", "remote_review"]
    invoice = fee_invoices(srs.facility).get()
    fee = FeeItem.objects.get(fees__programme__code="srs", code="recertification")
    assert invoice.fee_item == fee and invoice.subtotal == fee.amount == Decimal("1500.00")
    assert invoice.lines.get().description == "Re-certification (streamlined)"
    assert [message.subject.endswith(f"Invoice {invoice.number}") for message in mail.outbox] == [True]
    invoice.refresh_from_db()
    assert invoice.pdf  # rendered like every invoice
    assert AuditEntry.objects.get(action="application.reaccreditation_started").changes["assessment_path"] == [
        None, "streamlined"]
    page = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Assessment path: Streamlined re-certification" in page and "no major change declared" in page


def test_a_declared_change_means_the_full_srs_path_and_no_re_certification_fee(client, srs):
    awarded(srs)
    start(client, srs, A_NEW_PLATFORM)
    renewal = Application.objects.get(facility=srs.facility, renews__isnull=False)
    assert renewal.assessment_path == "full"
    assert [step.title for step in renewal.path_steps() if step.kind == "dosimetry_audit"] == [
        "Physical end-to-end dosimetry audit"]
    assert not fee_invoices(srs.facility).exists()  # like the first certification: the annual fee only
    page = client.get(reverse("applications:application")).content.decode()
    assert "Assessment path: Full assessment" in page and "Equipment (e.g. a new treatment platform)" in page


def test_io_re_accreditation_is_always_full_and_invoices_its_re_accreditation_fee(client, enrolled):
    awarded(enrolled)
    start(client, enrolled, NO_CHANGE)
    renewal = Application.objects.get(facility=enrolled.facility, renews__isnull=False)
    assert renewal.assessment_path == "full"
    assert fee_invoices(enrolled.facility).get().fee_item.code == "reaccreditation"
    page = client.get(reverse("facilities:dashboard")).content.decode()
    assert "the programme assesses every re-accreditation in full" in page


def test_a_programme_without_a_re_accreditation_fee_starts_it_without_an_invoice(client, srs):
    awarded(srs)
    FeeItem.objects.filter(code="recertification").update(is_active=False)  # withdrawn from the fee list
    assert start(client, srs, NO_CHANGE).status_code == 302
    assert Application.objects.get(facility=srs.facility, renews__isnull=False).assessment_path == "streamlined"
    assert not fee_invoices(srs.facility).exists()


def under_review(client, people, form):
    """The renewal started, its carried-over answers reviewed and submitted, its round closed and recommended."""
    start(client, people, form)
    renewal = Application.objects.get(facility=people.facility, renews__isnull=False)
    Answer.objects.filter(application=renewal).update(needs_review=False)
    submit_application(renewal, people.rep)
    assessors = assign(renewal)
    finish_round(renewal, assessors)
    for assessor in assessors:
        assessment.recommend(renewal, assessor, "approve", "Nothing changed that matters.")
    renewal.refresh_from_db()
    return renewal, assessors


def test_a_streamlined_re_certification_is_decided_after_the_postal_audit_and_remote_review_without_a_visit(
    client, srs, office_user
):
    awarded(srs)
    renewal, (physicist, physician) = under_review(client, srs, NO_CHANGE)
    assert renewal.status == Application.Status.AWAITING_DECISION
    assert [step.title for step in steps.missing_before_decision(renewal)] == [
        "Postal end-to-end dosimetry audit", "Remote review by an expert SRS physician by video"]
    assert "Two-day site visit" not in [step.title for step in steps.steps_to_schedule(renewal)]
    site_visit = renewal.pathway.steps.get(kind=PathwayStep.Kind.SITE_VISIT)
    with pytest.raises(ValidationError, match="no such step"):
        steps.schedule_step(renewal, office_user, site_visit, expert=physicist, starts_on=timezone.localdate(),
                            ends_on=timezone.localdate(), agenda="-")
    client.force_login(office_user)
    assert client.get(reverse("assessment:schedule_step", args=[renewal.pk, site_visit.pk])).status_code == 404

    postal = steps.schedule_step(renewal, office_user, steps.missing_before_decision(renewal)[0], expert=physicist,
                                 performed_on=timezone.localdate())
    steps.record_dosimetry_point(postal, physicist, label="Target 1", planned_dose_gy=Decimal("20"),
                                 measured_dose_gy=Decimal("20.5"))
    steps.complete_dosimetry_audit(postal, physicist)
    review = steps.schedule_step(renewal, office_user, steps.missing_before_decision(renewal)[0], expert=physician,
                                 held_at=timezone.now() + timedelta(hours=1), video_link="https://video.example/r")
    RemoteReview.objects.filter(pk=review.pk).update(held_at=timezone.now() - timedelta(minutes=5))
    review.refresh_from_db()
    steps.record_remote_review(review, physician, outcome=StepOutcome.PASSED, notes="Sound practice.")

    client.force_login(ChairpersonFactory())
    page = client.get(reverse("assessment:decide", args=[renewal.pk])).content.decode()
    assert "Assessment path: Streamlined re-certification" in page
    assert "Postal end-to-end dosimetry audit" in page and "Two-day site visit" not in page
    assert page.count("outcome: Passed") == 2 and "Sign off the decision</button>" in page
    client.post(reverse("assessment:decide", args=[renewal.pk]), {"outcome": "approved"})
    renewal.refresh_from_db()
    assert renewal.status == Application.Status.APPROVED


def test_a_full_re_certification_waits_for_the_site_visit(client, srs, office_user):
    awarded(srs)
    renewal, _assessors = under_review(client, srs, A_NEW_PLATFORM)
    missing = [step.title for step in steps.missing_before_decision(renewal)]
    assert missing == ["Two-day site visit by an expert physicist", "Physical end-to-end dosimetry audit",
                       "Remote review by an expert SRS physician by video"]
    with pytest.raises(ValidationError, match="Two-day site visit"):
        assessment.sign_off_decision(renewal, ChairpersonFactory(), "approved")
    client.force_login(office_user)
    page = client.get(reverse("office:application", args=[renewal.pk])).content.decode()
    assert "Assessment path: Full assessment" in page and "Schedule: Two-day site visit" in page
    assert "Postal" not in page


def test_the_pathway_admin_shows_and_edits_each_steps_path(client, srs, office_user):
    office_user.is_staff = office_user.is_superuser = True
    office_user.save()
    client.force_login(office_user)
    pathway = Pathway.objects.get(programme__code="srs", is_current=True)
    page = client.get(reverse("admin:applications_pathway_change", args=[pathway.pk])).content.decode()
    assert 'name="steps-0-path"' in page and "Streamlined re-certification" in page
    page = client.get(reverse("admin:applications_pathwaystep_changelist") + "?path=streamlined").content.decode()
    assert "Postal end-to-end dosimetry audit" in page and "Two-day site visit" not in page
    page = client.get(reverse("admin:invoicing_programmefees_change",
                              args=[FeeItem.objects.get(code="recertification").fees_id])).content.decode()
    assert "invoiced_at_reaccreditation" in page
