"""Issue 10, a programme's pathway as data: the steps of an assessment, SRS certification's site visit, dosimetry
audit and remote review as records, the decision gated on the required steps, and a third programme from data."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from applications.models import (
    Application, AwardTier, FindingArea, Pathway, PathwayStep, Programme, Question, QuestionSet, Standard,
)
from applications.question_bank import copy_pathway, load_award_tiers, load_pathway, load_programme, make_current
from applications.services import open_application, submit_application
from assessment import services, steps
from assessment.models import Award, DosimetryPoint, RemoteReview, SiteVisit, StepOutcome
from applications.workflow import Status
from facilities.models import AuditEntry, Enrolment, Facility

from .conftest import people_of
from .factories import AssessorFactory, ChairpersonFactory, FacilityFactory, answer_questions, core_questions, enrolment_of
from .workflow_steps import assign, finish_round, reply_to_all, submitted_application


# The dosimetry arithmetic ---------------------------------------------------------------------------------------

def test_the_dose_deviation_is_measured_minus_planned_over_planned_in_percent():
    assert steps.dose_deviation_percent(Decimal("20"), Decimal("21")) == 5
    assert steps.dose_deviation_percent(Decimal("20"), Decimal("19.5")) == Decimal("-2.5")


@pytest.mark.parametrize("measured, passes", [
    ("21.000", True), ("19.000", True),  # exactly 5% over and under: at the boundary a measurement passes
    ("21.001", False), ("18.999", False),  # just beyond it fails
])
def test_a_dose_exactly_at_the_tolerance_passes_and_just_beyond_fails(measured, passes):
    assert steps.dose_within_tolerance(Decimal("20.000"), Decimal(measured), Decimal("5")) is passes


def test_the_boundary_holds_where_floating_point_would_round_it_away():
    # (0.735 - 0.7) / 0.7 * 100 is 5.000000000000004 in floating point: exactly 5% must still pass.
    assert (0.735 - 0.7) / 0.7 * 100 > 5
    assert steps.dose_within_tolerance(Decimal("0.7"), Decimal("0.735"), Decimal("5"))


@pytest.mark.parametrize("measured, passes", [
    (("0.60", "0.80", "0"), True),  # 1.00 mm away: exactly the tolerance passes
    (("0.60", "0.80", "0.01"), False),
    (("0", "0", "-1.00"), True),
])
def test_a_position_exactly_at_the_tolerance_passes(measured, passes):
    planned = (Decimal(0), Decimal(0), Decimal(0))
    assert steps.position_within_tolerance(planned, tuple(map(Decimal, measured)), Decimal("1")) is passes
    assert steps.position_deviation_mm((0, 0, 0), (Decimal("0.6"), Decimal("0.8"), 0)) == 1


# The shipped pathways -------------------------------------------------------------------------------------------

def test_the_shipped_pathways_come_from_the_programme_files_with_german_texts(db):
    io, srs = (Programme.objects.get(code=code).current_pathway() for code in ("io", "srs"))
    assert [(s.kind, s.is_required, s.condition) for s in io.steps.all()] == [
        ("review_rounds", True, ""), ("remote_audit", True, "unclear_after_rounds")]
    assert [(s.kind, s.path) for s in srs.steps.all()] == [
        ("review_rounds", ""), ("site_visit", "full"), ("dosimetry_audit", "full"), ("dosimetry_audit", "streamlined"),
        ("remote_review", "")]
    assert srs.offers_streamlined_path() and not io.offers_streamlined_path()
    assert srs.steps.get(path="streamlined").title_de == "End-to-End-Dosimetrie-Audit auf dem Postweg"
    assert (srs.dose_tolerance_percent, srs.position_tolerance_mm) == (Decimal("5.00"), Decimal("1.00"))
    visit = srs.steps.get(kind="site_visit")
    assert visit.title_de == "Zweitägiger Vor-Ort-Besuch durch einen erfahrenen Medizinphysiker"
    assert [a.name for a in visit.areas.all()] == ["Patient selection", "Treatment planning", "Dosimetry", "Patient care"]
    assert [a.name_de for a in visit.areas.all()] == ["Patientenauswahl", "Bestrahlungsplanung", "Dosimetrie",
                                                      "Patientenversorgung"]
    assert io.steps.get(kind="remote_audit").title_de == "Remote-Audit per Videokonferenz"


def test_an_application_keeps_the_pathway_it_was_opened_on(db, enrolled):
    application = open_application(enrolment_of(enrolled.facility))
    io = Programme.objects.get(code="io")
    assert application.pathway == io.current_pathway()
    newer = copy_pathway(application.pathway)
    PathwayStep.objects.filter(pathway=newer, kind="remote_audit").delete()
    make_current(newer)
    application.refresh_from_db()
    assert application.pathway.version == 1 and io.current_pathway() == newer
    assert [s.kind for s in newer.steps.all()] == ["review_rounds"]


# SRS certification ------------------------------------------------------------------------------------------------

@pytest.fixture
def srs(db):
    return people_of(FacilityFactory(programme=Programme.objects.get(code="srs"), status=Enrolment.Status.ENROLLED))


def srs_under_review(facility):
    """A submitted SRS questionnaire with its two assessors: the expert physicist and the expert SRS physician."""
    application = submitted_application(facility)
    physicist, physician = assign(application)
    return application, physicist, physician


def step_of(application, kind):
    return next(step for step in application.path_steps() if step.kind == kind)


def schedule_all(application, office, physicist, physician):
    today = timezone.localdate()
    visit = steps.schedule_step(application, office, step_of(application, "site_visit"), expert=physicist,
                                starts_on=today, ends_on=today + timedelta(days=1), agenda="Day 1: planning. Day 2: QA.")
    dosimetry = steps.schedule_step(application, office, step_of(application, "dosimetry_audit"), expert=physicist,
                                    performed_on=today)
    review = steps.schedule_step(application, office, step_of(application, "remote_review"), expert=physician,
                                 held_at=timezone.now() + timedelta(hours=1), video_link="https://video.example/srs")
    RemoteReview.objects.filter(pk=review.pk).update(held_at=timezone.now() - timedelta(minutes=5))  # it took place
    review.refresh_from_db()
    return visit, dosimetry, review


def all_met(visit):
    return {area.pk: (True, "") for area in visit.step.areas.all()}


def point(dosimetry, user, label, planned, measured, **position):
    return steps.record_dosimetry_point(dosimetry, user, label=label, planned_dose_gy=Decimal(planned),
                                        measured_dose_gy=Decimal(measured), **position)


def test_a_decision_waits_until_every_required_step_has_an_outcome(client, srs, office_user):
    application, physicist, physician = srs_under_review(srs.facility)
    finish_round(application, [physicist, physician])
    for assessor in (physicist, physician):
        services.recommend(application, assessor, "approve", "The questionnaire meets the standards.")
    application.refresh_from_db()
    assert application.status == Status.AWAITING_DECISION
    chair = ChairpersonFactory()
    with pytest.raises(ValidationError, match="waits for the outcome of: Two-day site visit by an expert physicist; "
                                              "Physical end-to-end dosimetry audit; Remote review"):
        services.sign_off_decision(application, chair, "approved")
    client.force_login(chair)
    page = client.get(reverse("assessment:decide", args=[application.pk])).content.decode()
    assert "No decision yet: these required steps have no outcome." in page and "Sign off the decision</button>" not in page
    assert page.count("no outcome yet") == 3 and "required before the decision" in page

    visit, dosimetry, review = schedule_all(application, office_user, physicist, physician)
    steps.record_site_visit(visit, physicist, all_met(visit))
    point(dosimetry, physicist, "Target 1", "20.000", "20.400")
    steps.complete_dosimetry_audit(dosimetry, physicist)
    with pytest.raises(ValidationError, match="waits for the outcome of: Remote review"):
        services.sign_off_decision(application, chair, "approved")
    steps.record_remote_review(review, physician, outcome=StepOutcome.PASSED, notes="Sound practice.")

    page = client.get(reverse("assessment:decide", args=[application.pk])).content.decode()
    assert page.count("outcome: Passed") == 3 and "Sign off the decision</button>" in page
    assert "Target 1" in page and "+2.00 %" in page  # the dosimetry table on the decision page
    client.post(reverse("assessment:decide", args=[application.pk]), {"outcome": "approved"})
    award = Award.objects.get()
    assert award.expires_on.year == timezone.localdate().year + 3
    client.force_login(srs.member)
    assert b'aria-label="Certified Centre"' in client.get(reverse("assessment:seal")).content


def test_the_office_schedules_the_site_visit_and_the_physicist_records_a_finding_per_area(client, srs, office_user):
    application, physicist, physician = srs_under_review(srs.facility)
    step = step_of(application, "site_visit")
    client.force_login(office_user)
    page = client.get(reverse("office:application", args=[application.pk])).content.decode()
    assert "Schedule: Two-day site visit by an expert physicist" in page
    url = reverse("assessment:schedule_step", args=[application.pk, step.pk])
    today = timezone.localdate()
    response = client.post(url, {"expert": physicist.pk, "starts_on": today + timedelta(days=3),
                                 "ends_on": today + timedelta(days=2), "agenda": "Two days."})
    assert "The last day cannot be before the first day." in response.content.decode() and not SiteVisit.objects.exists()
    outsider = AssessorFactory()
    response = client.post(url, {"expert": outsider.pk, "starts_on": today, "ends_on": today, "agenda": "Two days."})
    assert "Select a valid choice" in response.content.decode() and not SiteVisit.objects.exists()
    client.post(url, {"expert": physicist.pk, "starts_on": today, "ends_on": today + timedelta(days=1),
                      "agenda": "Day 1: patient selection and planning. Day 2: dosimetry and care."})
    visit = SiteVisit.objects.get()

    # The facility reads the visit (not who its expert is) but cannot record it; the other assessor reads it too.
    client.force_login(srs.member)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "Day 1: patient selection" in page and physicist.email not in page and "Record the findings" not in page
    assert client.post(visit.get_absolute_url(), {}).status_code == 403
    client.force_login(physician)
    assert "Record the findings" not in client.get(visit.get_absolute_url()).content.decode()

    client.force_login(physicist)
    areas = list(step.areas.all())
    form = {f"area_{a.number}": "met" for a in areas}
    response = client.post(visit.get_absolute_url(), {**form, "area_3": "not_met"})
    assert "Say what was not met." in response.content.decode()
    response = client.post(visit.get_absolute_url(), {**form, "area_3": "not_met", "comment_3": "No independent check."})
    assert "An area is not met: choose the visit" in response.content.decode() and not visit.findings.exists()
    client.post(visit.get_absolute_url(), {**form, "area_3": "not_met", "comment_3": "No independent check.",
                                           "outcome": "not_passed", "outcome_note": "Dosimetry needs an independent check."})
    visit.refresh_from_db()
    assert visit.outcome == StepOutcome.NOT_PASSED and visit.findings.filter(is_met=False).get().area.name == "Dosimetry"
    client.force_login(srs.member)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "✗ Not met" in page and "No independent check." in page and "Outcome: Not passed" in page
    history = client.get(reverse("assessment:feedback")).content.decode().split("History")[1]
    assert "Two-day site visit by an expert physicist: outcome" in history and "Not passed" in history
    entry = AuditEntry.objects.filter(action="assessment.site_visit_recorded").get()
    assert entry.actor == physicist and entry.summary_args["met"] == 3


def test_a_point_out_of_tolerance_shows_failed_then_a_justified_remeasurement_keeps_the_original(client, srs, office_user):
    application, physicist, physician = srs_under_review(srs.facility)
    _visit, dosimetry, _review = schedule_all(application, office_user, physicist, physician)
    client.force_login(physicist)
    url = dosimetry.get_absolute_url()
    for data, error in (
        ({"label": "T1", "planned_dose_gy": "0", "measured_dose_gy": "1"}, "The planned dose must be more than 0 Gy."),
        ({"label": "T1", "planned_dose_gy": "20", "measured_dose_gy": "-1"}, "A dose cannot be negative."),
        ({"label": "T1", "planned_dose_gy": "20", "measured_dose_gy": "20", "planned_x_mm": "1"},
         "Give all six coordinates, or none."),
    ):
        assert error in client.post(url, data).content.decode()
    assert not DosimetryPoint.objects.exists()
    with pytest.raises(ValidationError, match="more than 0 Gy"):  # the service refuses it too
        point(dosimetry, physicist, "T1", "0", "1")

    client.post(url, {"label": "Target 1", "planned_dose_gy": "20.000", "measured_dose_gy": "21.000"})  # +5%: passes
    client.post(url, {"label": "Target 2", "planned_dose_gy": "18.000", "measured_dose_gy": "17.000",
                      "planned_x_mm": "0", "planned_y_mm": "0", "planned_z_mm": "0",
                      "measured_x_mm": "0.3", "measured_y_mm": "0.4", "measured_z_mm": "0"})  # -5.56%: fails
    page = client.get(url).content.decode()
    assert "+5.00 %" in page and "-5.56 %" in page and "0.50 mm" in page
    assert page.count("✗ Fail") == 1 and page.count("out of tolerance</span>") == 1
    assert "A point is out of tolerance: the audit fails" in page
    target_2 = DosimetryPoint.objects.get(label="Target 2")
    with pytest.raises(ValidationError, match="within tolerance: it needs no re-measurement"):
        steps.remeasure_point(DosimetryPoint.objects.get(label="Target 1"), physicist, justification="Again.",
                              planned_dose_gy=Decimal(20), measured_dose_gy=Decimal(20))

    remeasure = reverse("assessment:remeasure_point", args=[dosimetry.pk, target_2.pk])
    assert remeasure in page
    response = client.post(remeasure, {"planned_dose_gy": "18.000", "measured_dose_gy": "17.900"})
    assert "This field is required." in response.content.decode()  # the justification
    client.post(remeasure, {"justification": "The ion chamber was not seated; reseated and measured again.",
                            "planned_dose_gy": "18.000", "measured_dose_gy": "17.900"})
    target_2.refresh_from_db()
    assert target_2.measured_dose_gy == Decimal("17.000")  # the original is kept as measured
    page = client.get(url).content.decode()
    assert "Re-measured" in page and "The ion chamber was not seated" in page and "-0.56 %" in page
    assert "Every point is within tolerance." in page

    client.force_login(srs.member)  # the facility reads its results, and cannot add to them
    assert "-5.56 %" in client.get(url).content.decode()
    assert client.post(reverse("assessment:complete_dosimetry_audit", args=[dosimetry.pk])).status_code == 403
    assert client.get(remeasure).status_code == 403
    client.force_login(physicist)
    client.post(reverse("assessment:complete_dosimetry_audit", args=[dosimetry.pk]))
    dosimetry.refresh_from_db()
    assert dosimetry.outcome == StepOutcome.PASSED
    with pytest.raises(ValidationError, match="already recorded"):
        point(dosimetry, physicist, "Target 3", "20", "20")
    assert AuditEntry.objects.filter(action="assessment.dosimetry_remeasurement").get().summary_args["why"].startswith(
        "The ion chamber")


def test_an_unjustified_failure_fails_the_dosimetry_audit(srs, office_user):
    application, physicist, physician = srs_under_review(srs.facility)
    _visit, dosimetry, _review = schedule_all(application, office_user, physicist, physician)
    point(dosimetry, physicist, "Target 1", "20", "20")
    point(dosimetry, physicist, "Target 2", "20", "22")
    with pytest.raises(PermissionDenied):
        steps.complete_dosimetry_audit(dosimetry, physician)  # not the audit's expert
    assert steps.complete_dosimetry_audit(dosimetry, office_user).outcome == StepOutcome.NOT_PASSED


def test_the_remote_review_is_recorded_after_it_took_place_with_notes_when_not_passed(client, srs, office_user):
    application, physicist, physician = srs_under_review(srs.facility)
    step = step_of(application, "remote_review")
    client.force_login(office_user)
    url = reverse("assessment:schedule_step", args=[application.pk, step.pk])
    response = client.post(url, {"expert": physician.pk, "held_at": "2020-01-01T10:00", "video_link": "https://v.example/a"})
    assert "Schedule the review in the future." in response.content.decode()
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"expert": physician.pk, "held_at": when, "video_link": "https://v.example/a"})
    review = RemoteReview.objects.get()
    client.force_login(physician)
    response = client.post(review.get_absolute_url(), {"outcome": "passed"})
    assert "record it once it has taken place" in response.content.decode()
    RemoteReview.objects.update(held_at=timezone.now() - timedelta(minutes=1))
    response = client.post(review.get_absolute_url(), {"outcome": "not_passed"})
    assert "Say what the centre must improve." in response.content.decode()
    client.post(review.get_absolute_url(), {"outcome": "not_passed", "notes": "Margins for metastases too wide."})
    review.refresh_from_db()
    assert review.outcome == StepOutcome.NOT_PASSED and review.outcome_recorded_by == physician
    client.force_login(srs.rep)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Margins for metastases too wide." in page and "https://v.example/a" in page
    page = client.get(reverse("assessment:feedback")).content.decode()
    assert "Steps of the assessment" in page and "outcome: Not passed" in page


def test_an_io_application_shows_its_remote_audit_only_when_questions_stay_unclear(db, client, enrolled, office_user):
    application = submitted_application(enrolled.facility)
    assessors = assign(application)
    finish_round(application, assessors)
    assert application.status == Status.RECOMMENDATION
    states = {state.step.kind: state for state in steps.step_states(application)}
    assert states["review_rounds"].done and not states["remote_audit"].applies and not states["remote_audit"].missing
    assert steps.steps_to_schedule(application) == []


# A third programme, written here as data ------------------------------------------------------------------------

THIRD = {
    "code": "pet", "name": "PET certification", "full_name": "Certification of PET imaging services",
    "award_title": "Certified PET Service", "award_validity_years": 2, "question_set_version": 1,
    "has_case_review": False, "notes": "A test programme.",
    "sections": [{"number": 1, "title": "Service", "standards": [1]}],
    "standards": [{"number": 1, "title": "Service", "summary": "", "questions": [
        {"number": n, "criterion": f"1({c})", "core": True, "case_review": False, "text": f"Question {n}?",
         "explanation_prompt": "", "evidence_help": "A document."} for n, c in ((1, "a"), (2, "b"))]}],
    "pathway": {"version": 1, "review_rounds": 2, "dose_tolerance_percent": None, "position_tolerance_mm": None,
                "notes": "Two rounds and a site visit; no remote audit.", "steps": [
                    {"kind": "review_rounds", "title": "Review", "required": True, "condition": ""},
                    {"kind": "site_visit", "title": "Inspection of the scanner room", "required": True, "condition": "",
                     "areas": ["Radiation protection", "Image quality"]}]},
    "award_tiers": [{"code": "certified", "title": "Certified PET Service", "validity_years": 2,
                     "requires_extended_criteria": False, "requires_full_prior_period": False,
                     "certificate_text": "is a certified PET service from %(granted)s until %(expires)s."}],
}


def test_a_third_programme_from_data_runs_from_submission_to_decision(db, client, office_user):
    load_programme(THIRD, Programme, QuestionSet, Standard, Question)
    load_pathway(THIRD, Programme, Pathway, PathwayStep, FindingArea)
    load_award_tiers(THIRD, Programme, AwardTier)
    pet = people_of(FacilityFactory(programme=Programme.objects.get(code="pet"), status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(pet.facility))
    answer_questions(application, core_questions(application))
    submit_application(application, pet.rep)
    first, second = assign(application)

    # Two rounds with a question still unclear: no remote audit in this pathway, the assessors recommend.
    finish_round(application, [first, second], unclear=(2,))
    assert application.status == Status.CLARIFICATION_REQUESTED
    reply_to_all(application, pet.member)
    services.resubmit_application(application, pet.rep)
    finish_round(application, [first, second], unclear=(2,))
    assert application.status == Status.RECOMMENDATION
    assert [s.kind for s in application.pathway.steps.all()] == ["review_rounds", "site_visit"]
    with pytest.raises(ValidationError, match="not possible now"):
        services.schedule_audit(application, office_user, "remote", scheduled_for=timezone.now() + timedelta(days=1),
                                participants="x", video_link="https://v.example")

    for assessor in (first, second):
        services.recommend(application, assessor, "approve", "Question 2 was settled at the inspection.")
    chair = ChairpersonFactory()
    with pytest.raises(ValidationError, match="Inspection of the scanner room"):
        services.sign_off_decision(application, chair, "approved")
    visit = steps.schedule_step(application, office_user, step_of(application, "site_visit"), expert=first,
                                starts_on=timezone.localdate(), ends_on=timezone.localdate(), agenda="One morning.")
    steps.record_site_visit(visit, first, all_met(visit))
    services.sign_off_decision(application, chair, "approved")
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert Award.objects.get().expires_on.year == timezone.localdate().year + 2
    assert Application.objects.get().pathway.programme.code == "pet"


# The office edits pathways in the admin -------------------------------------------------------------------------

def test_the_office_edits_a_copied_pathway_in_the_admin_while_one_in_use_stays_read_only(client, srs, office_user):
    office_user.is_staff = office_user.is_superuser = True
    office_user.save()
    application = open_application(enrolment_of(srs.facility))
    in_use = application.pathway
    client.force_login(office_user)
    page = client.get(reverse("admin:applications_pathway_change", args=[in_use.pk])).content.decode()
    assert "Two-day site visit by an expert physicist" in page and 'name="review_rounds"' not in page  # read-only
    client.post(reverse("admin:applications_pathway_changelist"),
                {"action": "copy_as_new_version", "_selected_action": [in_use.pk]})
    copy = Pathway.objects.get(programme=in_use.programme, version=2)
    assert not copy.is_current and copy.steps.get(kind="site_visit").areas.count() == 4
    page = client.get(reverse("admin:applications_pathway_change", args=[copy.pk])).content.decode()
    assert 'name="review_rounds"' in page and 'name="dose_tolerance_percent"' in page and 'name="steps-0-title_de"' in page
    step = copy.steps.get(kind="site_visit")
    page = client.get(reverse("admin:applications_pathwaystep_change", args=[step.pk])).content.decode()
    assert 'name="areas-0-name_de"' in page and "Patientenauswahl" in page


# The main pages in a fixed number of queries ----------------------------------------------------------------------

@pytest.mark.parametrize("points", [1, 8])
def test_the_dosimetry_audit_page_costs_the_same_queries_for_1_or_8_points(client, srs, office_user, points,
                                                                          django_assert_num_queries):
    application, physicist, physician = srs_under_review(srs.facility)
    _visit, dosimetry, _review = schedule_all(application, office_user, physicist, physician)
    first = point(dosimetry, physicist, "Target 0", "20", "23")
    steps.remeasure_point(first, physicist, justification="Reseated.", planned_dose_gy=Decimal(20),
                          measured_dose_gy=Decimal(20))
    for n in range(1, points):
        point(dosimetry, physicist, f"Target {n}", "20", "20.5")
    client.force_login(physicist)
    client.get(dosimetry.get_absolute_url())  # warm per-process caches (content types)
    with django_assert_num_queries(DOSIMETRY_PAGE_QUERIES):
        assert client.get(dosimetry.get_absolute_url()).status_code == 200


# Session, user, second factor, membership; the audit with its application, pathway, step and expert; the expert's
# assignment (guardian, two); the points with their re-measurements.
DOSIMETRY_PAGE_QUERIES = 8
