"""IO's decision path (manual 3.1 step 8, 3.3) and Centre of Excellence, with award tiers as programme data."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from applications.models import Application, AwardTier, Programme, Question
from applications.services import start_reaccreditation, submit_application
from assessment import services
from assessment.models import Audit, Award, Decision, PlanReview
from applications.workflow import Status
from correspondence.reminders import send_due_reminders
from facilities.models import AuditEntry, Enrolment, Facility

from .conftest import pdf_text
from .factories import ChairpersonFactory, answer_questions, complete_case_review, enrolment_of
from .workflow_steps import assign, finish_round, in_clarification, pass_expert_steps, reply_to_all, submitted_application

pytestmark = pytest.mark.django_db


def recommended(application, assessors, outcome="approve"):
    for assessor in assessors:
        services.recommend(application, assessor, outcome, "Justified.")
    application.refresh_from_db()
    return application


def after_one_round(facility, outcome="defer"):
    application = submitted_application(facility)
    assessors = assign(application)
    finish_round(application, assessors)
    return recommended(application, assessors, outcome), assessors


def page(client, user, url):
    client.force_login(user)
    return client.get(url).content.decode()


# Award tiers are data ---------------------------------------------------------------------------------------

def test_the_shipped_programmes_award_tiers_in_english_and_german():
    tiers = {(t.programme.code, t.code): t for t in AwardTier.objects.select_related("programme")}
    assert set(tiers) == {("io", "accredited"), ("io", "excellence"), ("srs", "certified")}
    excellence = tiers["io", "excellence"]
    assert excellence.requires_extended_criteria and excellence.requires_full_prior_period
    assert not tiers["io", "accredited"].requires_extended_criteria
    assert tiers["srs", "certified"].validity_years == 3 and tiers["srs", "certified"].title == "Certified Centre"
    with translation.override("de"):
        assert excellence.title == "Exzellenzzentrum" and tiers["srs", "certified"].title == "Zertifiziertes Zentrum"
    io = Programme.objects.get(code="io")
    assert io.rounds_before_adverse_decision == 2 and io.remote_audit_before_adverse_decision


def test_an_srs_certificate_speaks_of_certification_not_of_core_criteria(client):
    from .factories import FacilityFactory
    from .conftest import people_of

    srs = people_of(FacilityFactory(programme=Programme.objects.get(code="srs"), status=Enrolment.Status.ENROLLED))
    application, assessors = after_one_round(srs.facility, "approve")
    pass_expert_steps(application)
    services.sign_off_decision(application, ChairpersonFactory(), "approved")
    assert Award.objects.get().tier.code == "certified"
    client.force_login(srs.member)
    text = " ".join(pdf_text(client.get(reverse("assessment:certificate"))).split())
    assert "Certified Centre" in text and "certified from" in text
    assert "core criteria" not in text and "Accredited Centre" not in text


# Deferral or denial after two rounds and a remote audit -----------------------------------------------------

def test_a_deferral_after_one_round_needs_a_written_reason_that_the_timeline_shows(client, enrolled, office_user):
    application, assessors = after_one_round(enrolled.facility)
    chair = ChairpersonFactory()
    url = reverse("assessment:decide", args=[application.pk])
    decide_page = page(client, chair, url)
    assert "Before you decide" in decide_page and "1 of the 2 review rounds has closed." in decide_page
    assert "No remote audit has an outcome yet." in decide_page

    response = client.post(url, {"outcome": "deferred", "report": "Register missing."})
    assert "give your reason for deciding now" in " ".join(response.context["form"].errors["early_reason"])
    application.refresh_from_db()
    assert application.status == Status.AWAITING_DECISION and not Decision.objects.exists()
    with pytest.raises(ValidationError):
        services.sign_off_decision(application, chair, "denied", "Register missing.", early_reason="  ")

    reason = "The centre stopped its radioembolisation service; more rounds cannot change that."
    client.post(url, {"outcome": "deferred", "report": "Register missing.", "early_reason": reason})
    application.refresh_from_db()
    assert application.status == Status.DEFERRED and Decision.objects.get().early_reason == reason
    assert AuditEntry.objects.get(action="application.defer").changes["early_reason"] == reason
    # The office, the assessors and the facility read it: the manual promised the facility those steps.
    assert reason in page(client, office_user, application.get_absolute_url())
    assert reason in page(client, assessors[0], reverse("assessment:review", args=[application.pk]))
    assert reason in page(client, enrolled.member, reverse("assessment:feedback"))


def test_after_two_rounds_and_a_remote_audit_a_denial_needs_no_reason(client, enrolled, office_user):
    application, assessors = in_clarification(enrolled.facility)
    reply_to_all(application, enrolled.member)
    services.resubmit_application(application, enrolled.rep)
    application.refresh_from_db()
    finish_round(application, assessors, unclear=(5,))
    audit = services.schedule_audit(application, office_user, Audit.Kind.REMOTE, participants="Dr A",
                                    scheduled_for=timezone.now() + timedelta(days=1), video_link="https://video.example/r")
    Audit.objects.filter(pk=audit.pk).update(scheduled_for=timezone.now() - timedelta(hours=1))
    audit.refresh_from_db()
    services.record_audit_outcome(audit, office_user, "Criterion 5 still not shown.")
    application.refresh_from_db()
    recommended(application, assessors, "deny")

    chair = ChairpersonFactory()
    client.force_login(chair)
    response = client.get(reverse("assessment:decide", args=[application.pk]))
    assert "early_reason" not in response.context["form"].fields and "Before you decide" not in response.content.decode()
    decision = services.sign_off_decision(application, chair, "denied", "Criterion 5 not met.")
    assert decision.outcome == Decision.Outcome.DENIED and decision.early_reason == ""


def test_the_decision_path_is_the_programme_s_data(enrolled):
    Programme.objects.filter(code="io").update(rounds_before_adverse_decision=1, remote_audit_before_adverse_decision=False)
    application, _ = after_one_round(enrolled.facility)
    decision = services.sign_off_decision(application, ChairpersonFactory(), "deferred", "Register missing.")
    assert decision.outcome == Decision.Outcome.DEFERRED


# The on-site audit after a denial ---------------------------------------------------------------------------

def test_after_a_denial_the_on_site_audit_is_queued_reminded_and_holds_up_approval(
    client, enrolled, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    application, assessors = after_one_round(enrolled.facility, "deny")
    chair = ChairpersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_decision(application, chair, "denied", "Several core criteria unmet.", early_reason="Plain.")
    decision_mail = next(m for m in mailoutbox if enrolled.member.email in m.to and "decision" in m.subject)
    assert "an on-site audit follows" in decision_mail.body

    def queued():
        queues = {key: list(rows) for key, _, rows in services.office_attention(office_user)}
        return application in queues["on_site_audits_to_schedule"]

    assert queued()
    assert "On-site audits to schedule after a denial" in page(client, office_user, reverse("office:attention"))
    today = timezone.localdate()
    assert send_due_reminders(today + timedelta(days=3)) == 0
    assert send_due_reminders(today + timedelta(days=7)) == 1
    assert send_due_reminders(today + timedelta(days=8)) == 0  # once per occasion
    reminder = mailoutbox[-1]
    assert "On-site audit to schedule" in reminder.subject and enrolled.rep.email not in reminder.to

    # The facility's plan is accepted and both assessors recommend approval: the on-site audit still holds it up.
    client.force_login(enrolled.rep)
    client.post(reverse("assessment:action_plan"), {
        "declined_criteria": "11(a)", "issue_description": "No register", "desired_outcome": "A register",
        "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "1",
        "actions-MAX_NUM_FORMS": "1000", "actions-0-strategic_action": "Create it", "actions-0-person_responsible": "RSO",
        "actions-0-due_date": "2027-01-31",
    })
    for assessor in assessors:
        services.review_action_plan(application, assessor, PlanReview.Outcome.ACCEPT)
    application.refresh_from_db()
    recommended(application, assessors, "approve")
    decide_page = page(client, chair, reverse("assessment:decide", args=[application.pk]))
    assert "the on-site audit that follows a denial has no outcome yet" in decide_page
    response = client.post(reverse("assessment:decide", args=[application.pk]), {"outcome": "approved"})
    assert "No approval until the on-site audit" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.AWAITING_DECISION and not Award.objects.exists()

    audit = services.schedule_audit(application, office_user, Audit.Kind.ON_SITE, participants="Auditor X",
                                    scheduled_for=timezone.now() + timedelta(days=1))
    assert not queued()
    assert send_due_reminders(today + timedelta(days=28)) == 0  # scheduled: no more reminders
    with pytest.raises(ValidationError, match="No approval until the on-site audit"):
        services.sign_off_decision(application, chair, "approved")
    Audit.objects.filter(pk=audit.pk).update(scheduled_for=timezone.now() - timedelta(hours=1))
    audit.refresh_from_db()
    services.record_audit_outcome(audit, office_user, "Register in place.")
    services.sign_off_decision(application, chair, "approved")
    assert Award.objects.get().tier.code == "accredited"


# Centre of Excellence ---------------------------------------------------------------------------------------

def holding_award(people, granted_years_ago, expires_in_days):
    """An approved application whose award was granted ``granted_years_ago`` and expires in ``expires_in_days``."""
    application, _ = after_one_round(people.facility, "approve")
    pass_expert_steps(application)
    services.sign_off_decision(application, ChairpersonFactory(), "approved")
    expires = timezone.localdate() + timedelta(days=expires_in_days)
    Award.objects.update(granted_on=expires.replace(year=expires.year - granted_years_ago), expires_on=expires)
    Enrolment.objects.filter(facility=people.facility).update(award_expires_on=expires)
    people.facility.refresh_from_db()
    return application


def test_centre_of_excellence_is_refused_before_the_award_s_full_period(client, enrolled):
    holding_award(enrolled, granted_years_ago=1, expires_in_days=3 * 365)
    client.force_login(enrolled.rep)
    form_page = client.get(reverse("applications:reaccreditation")).content.decode()
    checkbox = form_page.split('name="seeks_excellence"')[1].split(">")[0]
    assert "disabled" in checkbox
    assert "Centre of Excellence is open to centres that have held the Accredited Centre award for its full period of 4" in form_page
    response = client.post(reverse("applications:reaccreditation"), {"seeks_excellence": "on", "department_changed": "no"})
    assert "held the Accredited Centre award for its full period" in response.content.decode()
    assert Application.objects.count() == 1


def test_a_programme_without_an_excellence_tier_offers_no_choice(client):
    from .conftest import people_of
    from .factories import FacilityFactory

    srs = people_of(FacilityFactory(programme=Programme.objects.get(code="srs"), status=Enrolment.Status.ENROLLED))
    holding_award(srs, granted_years_ago=3, expires_in_days=30)
    client.force_login(srs.rep)
    assert 'name="seeks_excellence"' not in client.get(reverse("applications:reaccreditation")).content.decode()
    with pytest.raises(ValidationError, match="has no award for the extended criteria"):
        start_reaccreditation(enrolment_of(srs.facility), srs.rep, seeks_excellence=True)


def excellence_under_review(client, people):
    """A centre at the end of a full accreditation period applies for Centre of Excellence; it is under review."""
    holding_award(people, granted_years_ago=4, expires_in_days=30)
    client.force_login(people.rep)
    assert "disabled" not in client.get(reverse("applications:reaccreditation")).content.decode().split(
        'name="seeks_excellence"')[1].split(">")[0]
    client.post(reverse("applications:reaccreditation"), {"seeks_excellence": "on", "department_changed": "no"})
    renewal = Application.objects.latest("started_at")
    assert renewal.seeks_excellence
    # Answers carried over from the awarded application are taken as reviewed; this test is about the verdicts.
    renewal.answers.update(needs_review=False)
    answer_questions(renewal, Question.objects.filter(standard__question_set=renewal.question_set).exclude(
        answers__application=renewal))
    complete_case_review(renewal)
    submit_application(renewal, people.rep)
    return renewal, assign(renewal)


def test_centre_of_excellence_assessors_give_verdicts_on_the_extended_criteria_too(client, enrolled):
    renewal, assessors = excellence_under_review(client, enrolled)
    core = [q for q in Question.objects.filter(standard__question_set=renewal.question_set) if q.is_core]
    for question in core:
        services.record_verdict(renewal, assessors[0], question, "met", "")
    with pytest.raises(ValidationError, match="every core and extended question"):
        services.complete_round(renewal, assessors[0])
    review = page(client, assessors[0], reverse("assessment:review", args=[renewal.pk]))
    assert "Your verdicts: 28 of 28 core questions" in review
    assert "0 of 24 extended questions (required for the award sought)" in review


def test_centre_of_excellence_granted(client, enrolled, mailoutbox, django_capture_on_commit_callbacks):
    renewal, assessors = excellence_under_review(client, enrolled)
    finish_round(renewal, assessors)
    recommended(renewal, assessors)
    chair = ChairpersonFactory()
    url = reverse("assessment:decide", args=[renewal.pk])
    decide_page = page(client, chair, url)
    assert "The facility applies for Centre of Excellence" in decide_page and "Accredited Centre only" in decide_page
    assert "tier" in client.post(url, {"outcome": "approved"}).context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"outcome": "approved", "tier": "excellence"})

    award = Award.objects.filter(decision__application=renewal).get()
    enrolled.facility.refresh_from_db()
    assert award.tier.code == "excellence" and enrolment_of(enrolled.facility).status == Enrolment.Status.EXCELLENCE
    client.force_login(enrolled.member)
    text = " ".join(pdf_text(client.get(reverse("assessment:certificate"))).split())
    assert "Centre of Excellence" in text and "extended criteria" in text
    assert b'aria-label="Centre of Excellence"' in client.get(reverse("assessment:seal")).content
    facility_mail = [m for m in mailoutbox if enrolled.member.email in m.to and "decision" in m.subject]
    assert "Award: Centre of Excellence" in facility_mail[-1].body


def test_accredited_centre_only_needs_a_reason_the_facility_reads(client, enrolled, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    renewal, assessors = excellence_under_review(client, enrolled)
    finish_round(renewal, assessors)
    recommended(renewal, assessors)
    chair = ChairpersonFactory()
    url = reverse("assessment:decide", args=[renewal.pk])
    client.force_login(chair)
    response = client.post(url, {"outcome": "approved", "tier": "accredited", "tier_reason": " "})
    assert "Say why Accredited Centre only and not Centre of Excellence" in " ".join(
        response.context["form"].errors["tier_reason"])
    renewal.refresh_from_db()
    assert renewal.status == Status.AWAITING_DECISION

    reason = "Criteria 9(a) and 13(b) of the extended standards are not yet met."
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"outcome": "approved", "tier": "accredited", "tier_reason": reason})
    award = Award.objects.filter(decision__application=renewal).get()
    enrolled.facility.refresh_from_db()
    assert award.tier.code == "accredited" and award.decision.tier_reason == reason
    assert enrolment_of(enrolled.facility).status == Enrolment.Status.ACCREDITED
    feedback = page(client, enrolled.member, reverse("assessment:feedback"))
    assert "Why Accredited Centre only" in feedback and reason in feedback
    text = " ".join(pdf_text(client.get(reverse("assessment:certificate"))).split())
    assert "Accredited Centre" in text and "Centre of Excellence" not in text
    facility_mail = [m for m in mailoutbox if enrolled.member.email in m.to and "decision" in m.subject][-1]
    assert "Award: Accredited Centre" in facility_mail.body and reason in facility_mail.body


def test_a_tier_s_certificate_sentence_takes_only_the_two_dates():
    tier = AwardTier.objects.get(programme__code="io", code="accredited")
    tier.full_clean()
    tier.certificate_text_de = "ist akkreditiert ab %(start)s."
    with pytest.raises(ValidationError, match="placeholders"):
        tier.full_clean()


def test_every_migrate_gives_the_shipped_tiers_a_language_s_text_where_they_have_none():
    from django.core.management.sql import emit_post_migrate_signal

    AwardTier.objects.filter(code="excellence").update(title_de=None)
    AwardTier.objects.filter(code="accredited").update(title_de="Vom Büro benannt")
    emit_post_migrate_signal(0, False, "default")
    assert AwardTier.objects.get(code="excellence").title_de == "Exzellenzzentrum"
    assert AwardTier.objects.get(code="accredited").title_de == "Vom Büro benannt"
