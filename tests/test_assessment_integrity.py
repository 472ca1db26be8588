"""Issue 9, the assessment's part: blind and independent assessors, the chairperson's rationale, bounded audit
dates, the audit on the pages, the status line, and every workflow step refused in the wrong state."""
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from applications.models import Application, Programme, WorkflowEvent
from applications.permissions import ASSESS
from applications.services import open_application
from applications.workflow import Status
from assessment import services
from assessment.models import (
    Assignment, Audit, CorrectiveActionPlan, Decision, PlanReview, Recommendation, Reply, Round, RoundCompletion,
    Verdict,
)
from facilities.models import Enrolment, Facility

from .conftest import people_of
from .factories import AssessorFactory, ChairpersonFactory, FacilityFactory, MembershipFactory, OfficeUserFactory, enrolment_of
from .workflow_steps import assign, finish_round, give_verdicts, in_clarification, question, reply_to_all, submitted_application

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def assessor_pages(application):
    """Every page an assigned assessor can open about an application."""
    return [reverse("assessment:queue")] + [
        reverse(name, args=[application.pk]) for name in ("assessment:review", "assessment:case_review")
    ]


def sees(client, user, application, secret):
    return any(secret in page(client, user, url).content.decode() for url in assessor_pages(application))


# The assessment stays blind and independent ------------------------------------------------------------

def test_an_assessor_sees_neither_the_others_verdicts_nor_recommendation_until_both_have_given_theirs(
    client, enrolled, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    application = submitted_application(enrolled.facility)
    first, second = assign(application)
    services.record_verdict(application, first, question(application, 5), Verdict.Outcome.CLARIFICATION,
                            "SECRET-VERDICT-OF-THE-FIRST")
    assert not sees(client, second, application, "SECRET-VERDICT-OF-THE-FIRST")
    assert sees(client, first, application, "SECRET-VERDICT-OF-THE-FIRST")

    finish_round(application, [first, second])
    assert application.status == Status.RECOMMENDATION
    with django_capture_on_commit_callbacks(execute=True):
        services.recommend(application, first, Recommendation.Outcome.DENY, "SECRET-JUSTIFICATION-OF-THE-FIRST")
    assert not sees(client, second, application, "SECRET-JUSTIFICATION-OF-THE-FIRST")
    timeline = page(client, second, reverse("assessment:review", args=[application.pk])).context["timeline"]
    assert not [entry for entry in timeline if entry["kind"] == "recommendation"]
    assert not [mail for mail in mailoutbox if "SECRET-JUSTIFICATION" in mail.body or "Deny" in mail.body]
    assert sees(client, first, application, "SECRET-JUSTIFICATION-OF-THE-FIRST")
    assert "SECRET-JUSTIFICATION-OF-THE-FIRST" in page(client, office_user, application.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.recommend(application, second, Recommendation.Outcome.APPROVE, "SECRET-JUSTIFICATION-OF-THE-SECOND")
    assert sees(client, second, application, "SECRET-JUSTIFICATION-OF-THE-FIRST")
    assert sees(client, first, application, "SECRET-JUSTIFICATION-OF-THE-SECOND")
    decide = page(client, ChairpersonFactory(), reverse("assessment:decide", args=[application.pk])).content.decode()
    assert "SECRET-JUSTIFICATION-OF-THE-FIRST" in decide and "SECRET-JUSTIFICATION-OF-THE-SECOND" in decide


def test_assessor_pages_reach_only_assigned_applications_and_never_the_assessors_own_facility(client, enrolled):
    application = submitted_application(enrolled.facility)
    assign(application)
    # Staff of the assessed facility and an assessor; even a permission granted by mistake does not open it.
    insider = MembershipFactory(facility=enrolled.facility, user=AssessorFactory()).user
    assign_perm(ASSESS, insider, application)
    outsider = AssessorFactory()
    for person in (insider, outsider):
        client.force_login(person)
        for url in assessor_pages(application)[1:] + [reverse("assessment:repeat_draw", args=[application.pk])]:
            assert client.get(url).status_code == 404, url
        for name in ("assessment:complete_round", "assessment:recommend", "assessment:plan_review"):
            assert client.post(reverse(name, args=[application.pk]), {}).status_code == 404
        verdict_url = reverse("assessment:verdict", args=[application.pk, question(application, 1).pk])
        assert client.post(verdict_url, {"outcome": "met"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.record_verdict(application, insider, question(application, 1), Verdict.Outcome.MET, "")
    assert not Verdict.objects.exists()


def test_the_facility_side_never_names_the_assessors(client, enrolled, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application, assessors = in_clarification(enrolled.facility)
    facility_mail = [mail for mail in mailoutbox if enrolled.rep.email in mail.to]
    assert facility_mail
    pages = [page(client, enrolled.member, reverse(name)).content.decode()
             for name in ("facilities:dashboard", "assessment:feedback", "applications:application")]
    assert "by the assessors" in pages[0]
    for assessor in assessors:
        for text in pages + [mail.subject + mail.body for mail in facility_mail]:
            assert assessor.email not in text and assessor.get_full_name() not in text


# The chairperson's rationale ------------------------------------------------------------------------------

def awaiting_decision(facility, outcomes=("approve", "approve")):
    application = submitted_application(facility)
    assessors = assign(application)
    finish_round(application, assessors)
    for assessor, outcome in zip(assessors, outcomes):
        services.recommend(application, assessor, outcome, "Evidence is complete.")
    application.refresh_from_db()
    return application


def test_a_decision_against_both_recommendations_needs_a_rationale_shown_in_the_timeline_to_the_office(
    client, enrolled, office_user
):
    application = awaiting_decision(enrolled.facility)
    chair = ChairpersonFactory()
    client.force_login(chair)
    url = reverse("assessment:decide", args=[application.pk])
    response = client.post(url, {"outcome": "deferred", "report": "Criterion 7(b) is not shown."})
    assert response.status_code == 200
    assert response.context["form"].errors["rationale"] == [
        "This decision departs from both assessors' recommendations: give your reasons."
    ]
    application.refresh_from_db()
    assert application.status == Status.AWAITING_DECISION and not Decision.objects.exists()

    client.post(url, {"outcome": "deferred", "report": "Criterion 7(b) is not shown.",
                      "rationale": "The consent records were incomplete at the remote audit.",
                      "early_reason": "The consent records cannot be completed in a further round."})
    application.refresh_from_db()
    assert application.status == Status.DEFERRED
    assert Decision.objects.get().rationale == "The consent records were incomplete at the remote audit."
    office_page = page(client, office_user, application.get_absolute_url()).content.decode()
    assert "The consent records were incomplete at the remote audit." in office_page
    assert "The consent records were incomplete" not in page(client, enrolled.rep, reverse("assessment:feedback")).content.decode()


def test_a_decision_one_assessor_recommended_needs_no_rationale(enrolled):
    application = awaiting_decision(enrolled.facility, outcomes=("approve", "defer"))
    decision = services.sign_off_decision(application, ChairpersonFactory(), "deferred", report="7(b) is missing.",
                                          early_reason="7(b) cannot be shown in a further round.")
    assert decision.rationale == ""


# Audit dates ----------------------------------------------------------------------------------------------

def audit_required(facility):
    """An application whose two rounds left criteria unclear (the rounds themselves are tested elsewhere)."""
    application = submitted_application(facility)
    assessors = assign(application)
    Application.objects.filter(pk=application.pk).update(status=Status.REMOTE_AUDIT_REQUIRED)
    application.refresh_from_db()
    return application, assessors


def test_an_audit_is_scheduled_in_the_future_and_its_outcome_recorded_only_once_it_has_taken_place(
    client, enrolled, office_user
):
    application, _assessors = audit_required(enrolled.facility)
    with pytest.raises(ValidationError, match="in the future"):
        services.schedule_audit(application, office_user, Audit.Kind.REMOTE, scheduled_for=timezone.now() - timedelta(hours=1),
                                participants="Dr A", video_link="https://video.example/room")
    audit = services.schedule_audit(application, office_user, Audit.Kind.REMOTE, participants="Dr A",
                                    scheduled_for=timezone.now() + timedelta(days=3), video_link="https://video.example/room")
    client.force_login(office_user)
    response = client.post(reverse("assessment:audit_outcome", args=[audit.pk]), {"outcome": "All explained."})
    assert response.status_code == 200
    assert "record its outcome once it has taken place" in response.context["form"].errors["outcome"][0]
    audit.refresh_from_db()
    application.refresh_from_db()
    assert audit.outcome == "" and application.status == Status.REMOTE_AUDIT_SCHEDULED

    Audit.objects.filter(pk=audit.pk).update(scheduled_for=timezone.now() - timedelta(minutes=5))  # it took place
    assert client.post(reverse("assessment:audit_outcome", args=[audit.pk]), {"outcome": "All explained."}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RECOMMENDATION


def test_the_facility_and_the_assessors_see_the_remote_audits_date_link_and_participants(client, enrolled, office_user):
    application, assessors = audit_required(enrolled.facility)
    when = timezone.localtime() + timedelta(days=3)
    services.schedule_audit(application, office_user, Audit.Kind.REMOTE, scheduled_for=when,
                            participants="Head of department\nLead radiographer", video_link="https://video.example/room-42")
    for user, url in [(enrolled.member, reverse("assessment:feedback")),
                      (assessors[0], reverse("assessment:review", args=[application.pk]))]:
        text = page(client, user, url).content.decode()
        assert 'href="https://video.example/room-42"' in text
        assert when.strftime("%-d %B %Y %H:%M") in text
        assert "Head of department<br>Lead radiographer" in text


# The status line ------------------------------------------------------------------------------------------

def status_line(client, user, url):
    return page(client, user, url).content.decode().split('class="status-line"')[1].split("</p>")[0]


def test_the_status_line_names_who_took_the_last_step_and_when(client, enrolled, office_user):
    application = awaiting_decision(enrolled.facility)
    line = status_line(client, enrolled.rep, reverse("facilities:dashboard"))
    assert "by the assessors on" in line and str(enrolled.rep) not in line
    assert "Awaiting the chairperson" in line
    chair = ChairpersonFactory(first_name="Chiara", last_name="Chairwoman")
    services.sign_off_decision(application, chair, "approved")
    step = WorkflowEvent.objects.latest("created_at")
    when = timezone.localtime(step.created_at).strftime("%-d %b %Y %H:%M")
    for user, url in [(enrolled.rep, reverse("facilities:dashboard")), (enrolled.rep, reverse("applications:application")),
                      (office_user, application.get_absolute_url())]:
        line = status_line(client, user, url)
        assert "Approved" in line and f"by Chiara Chairwoman on {when}" in line, line


# Steps in the wrong state ---------------------------------------------------------------------------------

def test_resubmitting_a_draft_or_again_after_resubmitting_says_not_possible_now(client, enrolled):
    client.force_login(enrolled.rep)
    draft = page(client, enrolled.rep, reverse("assessment:resubmit")).content.decode()
    assert "Resubmitting is not possible now" in draft
    response = client.post(reverse("assessment:resubmit"), follow=True)
    assert response.status_code == 200 and "This step is not possible now" in response.content.decode()

    other = people_of(FacilityFactory(status=Enrolment.Status.ENROLLED))
    application, _assessors = in_clarification(other.facility)
    reply_to_all(application, other.member)
    confirm = page(client, other.rep, reverse("assessment:resubmit"))
    assert client.post(reverse("assessment:resubmit")).status_code == 302
    # Back to the confirmation page the browser kept, and confirm again.
    assert "Yes, resubmit" in confirm.content.decode()
    response = client.post(reverse("assessment:resubmit"), follow=True)
    assert response.status_code == 200 and "This step is not possible now" in response.content.decode()
    assert Round.objects.filter(application=application).count() == 2


FACILITY, FIRST_ASSESSOR, OFFICE, CHAIR = "facility", "assessor", "office", "chair"


def transition_posts(world):
    """Every transition view: (who, URL, data, the statuses it may be taken from)."""
    pk = world.application.pk
    later = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    return [
        (FACILITY, reverse("assessment:resubmit"), {}, {Status.CLARIFICATION_REQUESTED}),
        (FACILITY, reverse("assessment:reply", args=[world.verdict.pk]), {f"c{world.verdict.pk}-text": "Here it is."},
         {Status.CLARIFICATION_REQUESTED}),
        (FACILITY, reverse("assessment:action_plan"), {
            "declined_criteria": "7(b)", "issue_description": "Consent", "desired_outcome": "Complete consent",
            "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "1",
            "actions-MAX_NUM_FORMS": "1000", "actions-0-strategic_action": "Train staff",
            "actions-0-person_responsible": "Head nurse", "actions-0-due_date": "2030-01-01",
        }, {Status.DEFERRED, Status.DENIED, Status.PLAN_EVIDENCE_REQUESTED}),
        (FACILITY, reverse("applications:submit"), {}, {Status.DRAFT}),
        (FIRST_ASSESSOR, reverse("assessment:verdict", args=[pk, world.question.pk]),
         {"outcome": "not_met", "comment": "Not shown."}, {Status.UNDER_REVIEW}),
        (FIRST_ASSESSOR, reverse("assessment:complete_round", args=[pk]), {}, {Status.UNDER_REVIEW}),
        (FIRST_ASSESSOR, reverse("assessment:recommend", args=[pk]), {"outcome": "approve", "justification": "Fine."},
         {Status.RECOMMENDATION}),
        (FIRST_ASSESSOR, reverse("assessment:plan_review", args=[pk]), {"outcome": "evidence", "comment": "Show it."},
         {Status.PLAN_REVIEW}),
        (OFFICE, reverse("assessment:assign", args=[pk]), {"first": world.spare[0].pk, "second": world.spare[1].pk},
         {Status.SUBMITTED}),
        (OFFICE, reverse("assessment:schedule_audit", args=[pk, "remote"]),
         {"scheduled_for": later, "video_link": "https://video.example/r", "participants": "Dr A"},
         {Status.REMOTE_AUDIT_REQUIRED}),
        (OFFICE, reverse("assessment:audit_outcome", args=[world.audit.pk]), {"outcome": "Explained."},
         {Status.REMOTE_AUDIT_SCHEDULED}),
        (CHAIR, reverse("assessment:decide", args=[pk]), {"outcome": "denied", "report": "Missing.", "rationale": "Why.",
                                                          "early_reason": "Now."},
         {Status.AWAITING_DECISION}),
    ]


def snapshot(application):
    application.refresh_from_db()
    counted = [WorkflowEvent, Assignment, Round, RoundCompletion, Reply, Recommendation, Decision,
               CorrectiveActionPlan, PlanReview]
    return (application.status, [model.objects.count() for model in counted],
            list(Verdict.objects.values_list("outcome", "comment")), list(Audit.objects.values_list("outcome", "scheduled_for")))


class World:
    """An application with a row of every kind a step works on, put in ``status`` directly."""

    def __init__(self, status):
        people = people_of(FacilityFactory(status=Enrolment.Status.ENROLLED))
        self.people = people
        # Submitted without answers: the steps below are refused or taken whatever the answers are.
        self.application = open_application(enrolment_of(people.facility))
        Application.objects.filter(pk=self.application.pk).update(status=Status.SUBMITTED)
        self.assessors = assign(self.application)
        self.spare = [AssessorFactory(), AssessorFactory()]
        self.office, self.chair = OfficeUserFactory(), ChairpersonFactory()
        self.question = question(self.application, 5)
        round_ = Round.objects.get(application=self.application)
        Round.objects.filter(pk=round_.pk).update(closed_at=timezone.now(), reply_due=timezone.localdate())
        self.verdict = Verdict.objects.create(round=round_, assessor=self.assessors[0], question=self.question,
                                              outcome=Verdict.Outcome.CLARIFICATION, comment="Show it.")
        self.audit = Audit.objects.create(application=self.application, kind=Audit.Kind.REMOTE,
                                          scheduled_for=timezone.now() - timedelta(hours=1), participants="Dr A",
                                          video_link="https://video.example/r", scheduled_by=self.office)
        decision = Decision.objects.create(application=self.application, outcome=Decision.Outcome.DEFERRED, report="x",
                                           decided_by=self.chair, decided_on=timezone.localdate())
        CorrectiveActionPlan.objects.create(application=self.application, decision=decision, declined_criteria="x",
                                            issue_description="x", desired_outcome="x", submitted_by=people.rep)
        Application.objects.filter(pk=self.application.pk).update(status=status)

    def user(self, who):
        return {FACILITY: self.people.rep, FIRST_ASSESSOR: self.assessors[0], OFFICE: self.office, CHAIR: self.chair}[who]


@pytest.mark.parametrize("status", Status.values)
def test_every_transition_view_from_every_status_answers_without_a_500_and_a_refusal_changes_nothing(client, status):
    """Each view is reached as its own audience would reach it: a stale page, the Back button, a second tab."""
    world = World(status)
    for who, url, data, sources in transition_posts(world):
        client.force_login(world.user(who))
        assert client.get(url).status_code in (200, 302, 403, 405), url
        before = snapshot(world.application)
        response = client.post(url, data)
        assert response.status_code < 500, url
        if before[0] not in sources:  # an earlier step of this walk may have moved the application on
            assert snapshot(world.application) == before, url


# Every state-changing service locks the application ---------------------------------------------------------

def refusal_of_racing_step(step, racing):
    """Run ``racing`` while ``step``'s transaction is still open; the refusal it meets once ``step`` commits."""
    in_step, release, refusals = threading.Event(), threading.Event(), []

    def take_step():
        try:
            with transaction.atomic():
                step()
                in_step.set()
                release.wait(5)
        finally:
            connection.close()

    def race():
        try:
            in_step.wait(5)
            racing()
        except ValidationError as exc:
            refusals.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_step), threading.Thread(target=race)]
    for thread in threads:
        thread.start()
    in_step.wait(5)
    time.sleep(0.5)  # the racing write is now waiting for the application's lock
    release.set()
    for thread in threads:
        thread.join()
    return refusals[0] if refusals else None


@pytest.mark.django_db(transaction=True)
def test_a_verdict_saved_while_the_assessor_completes_the_round_is_refused():
    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    application = submitted_application(facility)
    first, _second = assign(application)
    give_verdicts(application, first)
    refusal = refusal_of_racing_step(
        lambda: services.complete_round(application, first),
        lambda: services.record_verdict(application, first, question(application, 5), Verdict.Outcome.NOT_MET, "Changed."),
    )
    assert refusal is not None
    assert Verdict.objects.get(assessor=first, question__number=5).outcome == Verdict.Outcome.MET


@pytest.mark.django_db(transaction=True)
def test_a_reply_written_while_the_replies_are_resubmitted_is_refused():
    people = people_of(FacilityFactory(status=Enrolment.Status.ENROLLED))
    application, _assessors = in_clarification(people.facility)
    replies = len(reply_to_all(application, people.member))
    verdict = services.comments_awaiting_reply(application).first()
    refusal = refusal_of_racing_step(lambda: services.resubmit_application(application, people.rep),
                                     lambda: services.reply_to_comment(verdict, people.member, "One more thing."))
    assert refusal is not None and "Replies are closed" in refusal.messages[0]
    assert Reply.objects.count() == replies


@pytest.mark.django_db(transaction=True)
def test_a_site_visits_findings_posted_twice_at_once_are_recorded_once():
    # A site visit: no workflow move follows its outcome that could refuse the second post instead.
    from assessment import steps
    from assessment.models import SiteVisit, SiteVisitFinding

    facility = FacilityFactory(programme=Programme.objects.get(code="srs"), status=Enrolment.Status.ENROLLED)
    office = OfficeUserFactory()
    application, (physicist, _physician) = audit_required(facility)
    visit = steps.schedule_step(application, office, application.pathway.steps.get(kind="site_visit"), expert=physicist,
                                starts_on=timezone.localdate(), ends_on=timezone.localdate(), agenda="Two days.")
    start, recorded = threading.Barrier(2), []

    def post(comment):
        try:
            start.wait(5)
            findings = {area.pk: (False, comment) for area in visit.step.areas.all()}
            steps.record_site_visit(SiteVisit.objects.get(pk=visit.pk), physicist, findings,
                                    outcome="not_passed", outcome_note=comment)
            recorded.append(comment)
        except ValidationError:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(f"Finding from tab {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    visit.refresh_from_db()
    assert len(recorded) == 1 and visit.outcome_note == recorded[0]
    assert SiteVisitFinding.objects.count() == 4
