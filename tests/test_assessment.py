import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.models import Answer
from applications.workflow import Status
from assessment import services
from assessment.models import Assignment, Audit, Award, Decision, PlanReview, Recommendation, Reply, Verdict
from facilities.models import Enrolment, Facility

from .conftest import pdf_text
from .factories import AssessorFactory, ChairpersonFactory, FacilityFactory, MembershipFactory, OfficeUserFactory, enrolment_of
from .workflow_steps import assign, finish_round, give_verdicts, in_clarification, question, reply_to_all, submitted_application

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def submitted(enrolled):
    return submitted_application(enrolled.facility)


# Assignment -----------------------------------------------------------------------------------------------

def test_the_office_assigns_two_assessors_who_are_emailed_and_see_only_that_application(
    client, enrolled, submitted, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    first, second, outsider = AssessorFactory(), AssessorFactory(), AssessorFactory()
    client.force_login(office_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:assign", args=[submitted.pk]), {"first": first.pk, "second": second.pk})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.UNDER_REVIEW
    assert [a.assessor for a in submitted.assignments.all()] == [first, second]
    assessor_mail = next(m for m in mailoutbox if first.email in m.to)
    assert set(assessor_mail.to) == {first.email, second.email} and "Assessors assigned" in assessor_mail.subject

    client.force_login(first)
    assert client.get(reverse("assessment:review", args=[submitted.pk])).status_code == 200
    client.force_login(outsider)
    assert client.get(reverse("assessment:review", args=[submitted.pk])).status_code == 404


def test_an_assessor_from_the_assessed_facility_is_refused(client, enrolled, submitted, office_user):
    insider = MembershipFactory(facility=enrolled.facility, user=AssessorFactory()).user
    with pytest.raises(ValidationError, match="belongs to the assessed facility"):
        services.assign_assessors(submitted, [insider, AssessorFactory()], office_user)
    client.force_login(office_user)
    form = client.get(reverse("assessment:assign", args=[submitted.pk])).context["form"]
    assert insider not in form.fields["first"].queryset
    assert not Assignment.objects.exists()


def test_the_same_assessor_twice_or_a_third_assessor_is_refused(client, submitted, office_user):
    twice = AssessorFactory()
    client.force_login(office_user)
    response = client.post(reverse("assessment:assign", args=[submitted.pk]), {"first": twice.pk, "second": twice.pk})
    assert response.status_code == 200 and b"Choose two different assessors." in response.content
    assert not Assignment.objects.exists()

    assign(submitted)
    with pytest.raises(ValidationError):
        services.assign_assessors(submitted, [AssessorFactory(), AssessorFactory()], office_user)
    assert Assignment.objects.filter(application=submitted).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_office_users_assigning_at_once_cannot_produce_three_assessors():
    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    application = submitted_application(facility)
    pairs = [(AssessorFactory(), AssessorFactory()) for _ in range(2)]
    offices = [OfficeUserFactory(), OfficeUserFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign_pair(pair, office):
        try:
            barrier.wait()
            services.assign_assessors(application, list(pair), office)
            outcomes.append("assigned")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=assign_pair, args=args) for args in zip(pairs, offices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["assigned", "refused"]
    assert Assignment.objects.filter(application=application).count() == 2


# Rounds ---------------------------------------------------------------------------------------------------

def test_assessors_do_not_see_each_others_verdicts_until_both_have_finished(client, submitted):
    first, second = assign(submitted)
    q5 = question(submitted, 5)
    services.record_verdict(submitted, first, q5, Verdict.Outcome.CLARIFICATION, "First assessor's private doubt")
    client.force_login(second)
    assert "First assessor&#x27;s private doubt" not in client.get(reverse("assessment:review", args=[submitted.pk])).content.decode()

    finish_round(submitted, [first, second], unclear=(5,))
    page = client.get(reverse("assessment:review", args=[submitted.pk])).content.decode()
    assert "Please show the evidence for question 5." in page


def test_an_assessor_saves_verdicts_with_htmx_and_a_comment_is_required_unless_met(client, submitted):
    first, _second = assign(submitted)
    client.force_login(first)
    url = reverse("assessment:verdict", args=[submitted.pk, question(submitted, 1).pk])
    refused = client.post(url, {"outcome": "clarification", "comment": ""}, **HTMX)
    assert refused.status_code == 422 and b"the facility reads this comment" in refused.content
    assert client.post(url, {"outcome": "met", "comment": ""}, **HTMX).status_code == 200
    assert Verdict.objects.get(assessor=first).outcome == "met"


def test_completing_a_round_needs_a_verdict_on_every_core_question(submitted):
    first, _second = assign(submitted)
    services.record_verdict(submitted, first, question(submitted, 1), Verdict.Outcome.MET, "")
    with pytest.raises(ValidationError, match="missing: 3, 5"):
        services.complete_round(submitted, first)


def test_a_closed_round_with_clarifications_emails_the_facility_with_a_two_week_due_date(
    client, enrolled, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application, _assessors = in_clarification(enrolled.facility, unclear=(5, 13))
    round_ = application.rounds.get()
    assert round_.reply_due == timezone.localdate() + timedelta(days=14)
    facility_mail = next(m for m in mailoutbox if "Clarification requested" in m.subject)
    assert enrolled.member.email in facility_mail.to and "within two weeks" in facility_mail.body

    client.force_login(enrolled.member)
    page = client.get(reverse("assessment:feedback")).content.decode()
    assert round_.reply_due.strftime("%-d %B %Y") in page and "Please show the evidence for question 13." in page
    # The facility knows its assessors as assessor 1 and 2, never by name.
    assert "Assessor 1" in page and "Assessor 2" in page
    for assessor in _assessors:
        assert str(assessor) not in page and assessor.email not in page


def test_while_replying_only_the_questions_commented_on_can_be_edited(client, enrolled):
    application, _assessors = in_clarification(enrolled.facility, unclear=(5,))
    client.force_login(enrolled.deputy)
    for number, expected in ((5, 200), (1, 422)):
        q = question(application, number)
        answer = Answer.objects.get(application=application, question=q)
        response = client.post(reverse("applications:answer", args=[q.pk]),
                               {"choice": "yes", "evidence": "Reworded", "explanation": "Now explained", "version": answer.version},
                               **HTMX)
        assert response.status_code == expected
    assert Answer.objects.get(application=application, question=question(application, 5)).evidence == "Reworded"
    assert Answer.objects.get(application=application, question=question(application, 1)).evidence != "Reworded"


def test_replies_are_escaped_and_a_late_reply_is_accepted_but_marked(client, enrolled):
    application, _assessors = in_clarification(enrolled.facility, unclear=(5,))
    application.rounds.update(reply_due=timezone.localdate() - timedelta(days=1))
    verdict = services.comments_awaiting_reply(application).first()
    client.force_login(enrolled.member)
    client.post(reverse("assessment:reply", args=[verdict.pk]), {f"c{verdict.pk}-text": "<script>alert(1)</script>"})
    reply = Reply.objects.get()
    assert reply.is_late
    page = client.get(reverse("assessment:feedback")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "late" in page


def test_only_the_authorised_representative_resubmits_once_every_comment_has_a_reply(client, enrolled):
    application, assessors = in_clarification(enrolled.facility, unclear=(5, 13))
    client.force_login(enrolled.rep)
    client.post(reverse("assessment:resubmit"))
    application.refresh_from_db()
    assert application.status == Status.CLARIFICATION_REQUESTED  # replies missing

    reply_to_all(application, enrolled.member)
    client.force_login(enrolled.deputy)
    assert client.post(reverse("assessment:resubmit")).status_code == 403
    client.force_login(enrolled.rep)
    assert b"cannot change them afterwards" in client.get(reverse("assessment:resubmit")).content
    client.post(reverse("assessment:resubmit"))
    application.refresh_from_db()
    assert application.status == Status.UNDER_REVIEW and application.rounds.count() == 2


def test_after_two_unclear_rounds_the_office_schedules_a_remote_audit_and_records_it(client, enrolled, office_user):
    application, assessors = in_clarification(enrolled.facility, unclear=(5,))
    reply_to_all(application, enrolled.member)
    services.resubmit_application(application, enrolled.rep)
    application.refresh_from_db()
    finish_round(application, assessors, unclear=(5,))
    assert application.status == Status.REMOTE_AUDIT_REQUIRED
    with pytest.raises(ValidationError):  # a third round does not exist
        services.complete_round(application, assessors[0])

    client.force_login(enrolled.rep)  # not the office
    assert client.get(reverse("assessment:schedule_audit", args=[application.pk, "remote"])).status_code == 403
    client.force_login(office_user)
    when = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("assessment:schedule_audit", args=[application.pk, "remote"]),
                {"scheduled_for": when, "video_link": "https://video.example/room", "participants": "Dr A; Dr B"})
    audit = Audit.objects.get()
    application.refresh_from_db()
    assert application.status == Status.REMOTE_AUDIT_SCHEDULED
    Audit.objects.filter(pk=audit.pk).update(scheduled_for=timezone.now() - timedelta(hours=1))  # a week later
    client.post(reverse("assessment:audit_outcome", args=[audit.pk]), {"outcome": "All criteria explained."})
    application.refresh_from_db()
    assert application.status == Status.RECOMMENDATION


def test_an_audit_in_the_past_or_without_a_link_is_refused(client, enrolled, office_user):
    application, assessors = in_clarification(enrolled.facility)
    client.force_login(office_user)
    response = client.post(reverse("assessment:schedule_audit", args=[application.pk, "remote"]),
                           {"scheduled_for": "2020-01-01T10:00", "video_link": "", "participants": "x"})
    assert response.status_code == 200 and b"in the future" in response.content and b"This field is required" in response.content
    assert not Audit.objects.exists()


# Recommendations, decisions, awards -------------------------------------------------------------------------

def recommended(application, assessors, outcome="approve"):
    for assessor in assessors:
        services.recommend(application, assessor, outcome, "Meets every core criterion.")
    application.refresh_from_db()


def test_both_recommendations_then_the_chairperson_approves_and_the_certificate_names_facility_and_expiry(
    client, enrolled, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    assessors = assign(submitted)
    finish_round(submitted, assessors)
    assert submitted.status == Status.RECOMMENDATION
    services.recommend(submitted, assessors[0], "approve", "Solid.")
    submitted.refresh_from_db()
    assert submitted.status == Status.RECOMMENDATION
    with pytest.raises(ValidationError, match="already recommended"):
        services.recommend(submitted, assessors[0], "approve", "Again.")
    services.recommend(submitted, assessors[1], "approve", "Agreed.")
    submitted.refresh_from_db()
    assert submitted.status == Status.AWAITING_DECISION

    office_admin = OfficeUserFactory()
    client.force_login(office_admin)
    assert client.post(reverse("assessment:decide", args=[submitted.pk]), {"outcome": "approved"}).status_code == 403
    chair = ChairpersonFactory()
    client.force_login(chair)
    page = client.get(reverse("assessment:decide", args=[submitted.pk])).content.decode()
    assert "Solid." in page and "Agreed." in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assessment:decide", args=[submitted.pk]), {"outcome": "approved"})

    submitted.refresh_from_db()
    enrolled.facility.refresh_from_db()
    award = Award.objects.get()
    assert submitted.status == Status.APPROVED
    assert enrolment_of(enrolled.facility).status == Enrolment.Status.ACCREDITED
    assert award.expires_on == timezone.localdate().replace(year=timezone.localdate().year + 4)
    assert enrolment_of(enrolled.facility).award_expires_on == award.expires_on

    client.force_login(enrolled.member)
    response = client.get(reverse("assessment:certificate"))
    text = " ".join(pdf_text(response).split())
    assert enrolled.facility.name in text and award.expires_on.strftime("%-d %B %Y") in text
    seal = client.get(reverse("assessment:seal"))
    # The seal wraps its title to fit the ring; its accessible name is the title whole.
    assert seal.status_code == 200 and b'aria-label="Accredited Centre"' in seal.content
    directory = client.get(reverse("directory")).content.decode()
    assert enrolled.facility.name in directory and "Accredited centre" in directory
    assert any("IO accreditation decision" in m.subject and enrolled.member.email in m.to for m in mailoutbox)


def test_a_deferral_needs_a_report_and_opens_a_90_day_corrective_action_plan(client, enrolled, submitted):
    assessors = assign(submitted)
    finish_round(submitted, assessors)
    recommended(submitted, assessors, "defer")
    chair = ChairpersonFactory()
    client.force_login(chair)
    response = client.post(reverse("assessment:decide", args=[submitted.pk]), {"outcome": "deferred", "report": ""})
    assert b"needs the report" in response.content
    client.post(reverse("assessment:decide", args=[submitted.pk]), {"outcome": "deferred", "report": "Radiation register missing.",
                                                                   "early_reason": "The register cannot be produced in a further round."})
    submitted.refresh_from_db()
    decision = Decision.objects.get()
    assert submitted.status == Status.DEFERRED and decision.plan_due == timezone.localdate() + timedelta(days=90)
    enrolled.facility.refresh_from_db()
    assert enrolment_of(enrolled.facility).status == Enrolment.Status.ENROLLED  # stays enrolled until approved

    client.force_login(enrolled.member)
    assert client.get(reverse("assessment:action_plan")).status_code == 403
    client.force_login(enrolled.rep)
    feedback = client.get(reverse("assessment:feedback")).content.decode()
    assert "Radiation register missing." in feedback
    plan = {
        "declined_criteria": "11(a)", "issue_description": "No register", "desired_outcome": "A kept register",
        "actions-TOTAL_FORMS": "3", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "1", "actions-MAX_NUM_FORMS": "1000",
        "actions-0-strategic_action": "Create the register", "actions-0-person_responsible": "Physicist",
        "actions-0-resources_required": "2 days", "actions-0-due_date": "2027-01-31", "actions-0-comments": "",
    }
    client.post(reverse("assessment:action_plan"), plan)
    submitted.refresh_from_db()
    assert submitted.status == Status.PLAN_REVIEW
    assert submitted.action_plans.get().actions.get().person_responsible == "Physicist"

    services.review_action_plan(submitted, assessors[0], PlanReview.Outcome.EVIDENCE, "Send the first register page.")
    submitted.refresh_from_db()
    assert submitted.status == Status.PLAN_EVIDENCE_REQUESTED
    client.post(reverse("assessment:action_plan"), {**plan, "actions-0-comments": "First page attached to message."})
    for assessor in assessors:
        services.review_action_plan(submitted, assessor, PlanReview.Outcome.ACCEPT)
    submitted.refresh_from_db()
    assert submitted.status == Status.RECOMMENDATION
    recommended(submitted, assessors)  # a new cycle of recommendations
    assert Recommendation.objects.filter(application=submitted).count() == 4
    assert submitted.status == Status.AWAITING_DECISION


def test_an_onsite_audit_follows_a_denial_only(client, enrolled, submitted, office_user):
    assessors = assign(submitted)
    finish_round(submitted, assessors)
    when = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(office_user)
    response = client.post(reverse("assessment:schedule_audit", args=[submitted.pk, "on_site"]),
                           {"scheduled_for": when, "participants": "Auditor X"})
    assert b"follows a denial" in response.content and not Audit.objects.exists()
    recommended(submitted, assessors, "deny")
    services.sign_off_decision(submitted, ChairpersonFactory(), "denied", "Several core criteria unmet.",
                               early_reason="The facility withdrew its radiation safety officer.")
    client.post(reverse("assessment:schedule_audit", args=[submitted.pk, "on_site"]),
                {"scheduled_for": when, "participants": "Auditor X"})
    assert Audit.objects.get().kind == Audit.Kind.ON_SITE


@pytest.mark.parametrize(
    "step",
    ["complete_round", "recommend", "sign_off", "resubmit", "review_plan", "schedule_remote"],
)
def test_every_step_from_the_wrong_state_is_refused_and_changes_nothing(enrolled, submitted, step):
    assessors = assign(submitted)
    give_verdicts(submitted, assessors[0])
    before = submitted.status
    calls = {
        "complete_round": lambda: services.recommend(submitted, assessors[0], "approve", "x"),
        "recommend": lambda: services.recommend(submitted, assessors[0], "approve", "x"),
        "sign_off": lambda: services.sign_off_decision(submitted, ChairpersonFactory(), "approved"),
        "resubmit": lambda: services.resubmit_application(submitted, enrolled.rep),
        "review_plan": lambda: services.review_action_plan(submitted, assessors[0], "accept"),
        "schedule_remote": lambda: services.schedule_audit(
            submitted, OfficeUserFactory(), "remote", scheduled_for=timezone.now(), participants="x", video_link="https://v.example"),
    }
    with pytest.raises(ValidationError):
        calls[step]()
    submitted.refresh_from_db()
    assert submitted.status == before and not Recommendation.objects.exists() and not Decision.objects.exists()


def test_the_wrong_role_is_refused(enrolled, submitted):
    assessors = assign(submitted)
    finish_round(submitted, assessors)
    recommended(submitted, assessors)
    with pytest.raises(PermissionDenied):
        services.sign_off_decision(submitted, OfficeUserFactory(), "approved")
    with pytest.raises(PermissionDenied):
        services.recommend(submitted, AssessorFactory(), "approve", "Not mine")
    submitted.refresh_from_db()
    assert submitted.status == Status.AWAITING_DECISION


def test_the_timeline_tells_the_whole_story(client, enrolled, office_user):
    application, assessors = in_clarification(enrolled.facility)
    reply_to_all(application, enrolled.member)
    services.resubmit_application(application, enrolled.rep)
    client.force_login(office_user)
    page = client.get(reverse("office:application", args=[application.pk])).content.decode()
    for step in ("Application submitted", "Two assessors assigned", "clarification requested", "Reply on question 5",
                 "Replies resubmitted; round 2 opens"):
        assert step in page


@pytest.mark.parametrize("answered", ["one", "all"])
def test_the_assessor_review_page_costs_the_same_queries_for_1_or_52_answers(
    client, enrolled, answered, django_assert_num_queries
):
    from applications.models import Question

    from .factories import answer_questions

    application = submitted_application(enrolled.facility)
    others = Question.objects.filter(standard__question_set=application.question_set, is_core=False)
    if answered == "all":
        answer_questions(application, others)
    first, _second = assign(application)
    services.record_verdict(application, first, question(application, 1), Verdict.Outcome.MET, "")
    client.force_login(first)
    client.get(reverse("assessment:review", args=[application.pk]))  # warm per-process caches (content types)
    with django_assert_num_queries(REVIEW_QUERIES):
        assert client.get(reverse("assessment:review", args=[application.pk])).status_code == 200


# With a verdict given (verdicts, their replies), the audits, the second-factor check, the turnaround (2), and the
# pathway's steps and the rounds for the checklist of steps.
REVIEW_QUERIES = 21


# Evidence and reminders ---------------------------------------------------------------------------------

def test_evidence_is_checked_by_content_and_a_rejected_upload_stores_nothing(client, enrolled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    application, _assessors = in_clarification(enrolled.facility)
    verdict = services.comments_awaiting_reply(application).first()
    client.force_login(enrolled.member)
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    response = client.post(reverse("assessment:reply", args=[verdict.pk]),
                           {f"c{verdict.pk}-text": "See the scan, typed carefully.", f"c{verdict.pk}-evidence": fake})
    page = response.content.decode()
    assert response.status_code == 422 and "its content is not a PDF file" in page
    assert "See the scan, typed carefully." in page  # nothing the user typed is lost
    assert not Reply.objects.exists()

    real = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", content_type="application/pdf")
    client.post(reverse("assessment:reply", args=[verdict.pk]), {f"c{verdict.pk}-text": "See the scan.", f"c{verdict.pk}-evidence": real})
    reply = Reply.objects.get()
    for viewer, status in ((enrolled.member, 200), (_assessors[0], 200), (AssessorFactory(), 404)):
        client.force_login(viewer)
        assert client.get(reverse("assessment:evidence", args=[reply.pk])).status_code == status


def test_the_reply_reminder_goes_out_once_three_days_before_the_due_date(enrolled, mailoutbox):
    from correspondence.reminders import send_due_reminders

    application, _assessors = in_clarification(enrolled.facility)
    due = application.rounds.get().reply_due
    assert send_due_reminders(today=due - timedelta(days=4)) == 0
    assert send_due_reminders(today=due - timedelta(days=3)) == 1
    assert send_due_reminders(today=due - timedelta(days=2)) == 0  # once per occasion
    mail = next(m for m in mailoutbox if "Replies to the assessors are due soon" in m.subject)
    assert enrolled.member.email in mail.to and due.strftime("%-d %B %Y") in mail.body


def test_the_plan_reminders_go_out_30_and_7_days_before_and_stop_once_a_plan_is_in(enrolled, submitted, mailoutbox):
    from correspondence.reminders import send_due_reminders

    assessors = assign(submitted)
    finish_round(submitted, assessors)
    recommended(submitted, assessors, "defer")
    decision = services.sign_off_decision(submitted, ChairpersonFactory(), "deferred", "Missing register.",
                                          early_reason="The register cannot be produced in a further round.")
    due = decision.plan_due
    assert send_due_reminders(today=due - timedelta(days=30)) == 1
    assert send_due_reminders(today=due - timedelta(days=29)) == 0
    assert send_due_reminders(today=due - timedelta(days=7)) == 1
    assert sum("Corrective action plan due soon" in m.subject for m in mailoutbox) == 2
    services.submit_action_plan(submitted, enrolled.rep, declined_criteria="11(a)", issue_description="x",
                                desired_outcome="y", actions=[{"strategic_action": "a", "person_responsible": "b",
                                                               "due_date": due}])
    assert send_due_reminders(today=due - timedelta(days=1)) == 0


def test_the_dashboard_and_the_office_list_show_what_the_facility_owes_and_by_when(client, enrolled, office_user,
                                                                                  django_assert_max_num_queries):
    application, _assessors = in_clarification(enrolled.facility)
    due = application.rounds.get().reply_due.strftime("%-d %B %Y")
    client.force_login(enrolled.member)
    dashboard = client.get(reverse("facilities:dashboard")).content.decode()
    assert "Replies to the assessors&#x27; comments" in dashboard and f"due {due}" in dashboard
    for _ in range(3):
        in_clarification(FacilityFactory(status=Enrolment.Status.ENROLLED))
    client.force_login(office_user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("assessment:office_list")).content.decode()
    assert page.count("Replies to the assessors&#x27; comments") == 4


def test_an_io_application_has_no_site_visit_step(client, submitted, office_user):
    assign(submitted)
    with pytest.raises(ValidationError, match="no such step"):
        services.schedule_audit(submitted, office_user, "site_visit", scheduled_for=timezone.now(), participants="x")


def test_the_assessor_queue_says_whose_turn_it_is(client, submitted):
    first, second = assign(submitted)
    client.force_login(first)
    assert "Give your verdicts and complete the round" in client.get(reverse("assessment:queue")).content.decode()
    give_verdicts(submitted, first)
    services.complete_round(submitted, first)
    assert "Waiting for others" in client.get(reverse("assessment:queue")).content.decode()
    give_verdicts(submitted, second)
    services.complete_round(submitted, second)
    assert "Record your recommendation" in client.get(reverse("assessment:queue")).content.decode()
