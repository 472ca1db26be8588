from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Question
from assessment import services as assessment
from assessment.models import Award
from facilities.models import AuditEntry, Enrolment, Facility

from .factories import ChairpersonFactory, answer_questions, enrolment_of
from .workflow_steps import assign, finish_round, submitted_application

pytestmark = pytest.mark.django_db


def accredited_until(people, expires_on):
    """An approved application, as the assessment leaves it, with the award expiring on ``expires_on``."""
    application = submitted_application(people.facility)
    assessors = assign(application)
    finish_round(application, assessors)
    for assessor in assessors:
        assessment.recommend(application, assessor, "approve", "Meets the core.")
    assessment.sign_off_decision(application, ChairpersonFactory(), "approved")
    Enrolment.objects.filter(facility=people.facility).update(award_expires_on=expires_on)
    Award.objects.filter(facility=people.facility).update(granted_on=expires_on.replace(year=expires_on.year - 4),
                                                          expires_on=expires_on)
    people.facility.refresh_from_db()
    return application


def test_re_accreditation_opens_six_months_before_expiry_for_the_authorised_representative_only(client, enrolled):
    accredited_until(enrolled, timezone.localdate() + timedelta(days=365))
    client.force_login(enrolled.rep)
    assert b"Re-accreditation opens on" in client.get(reverse("facilities:dashboard")).content
    response = client.post(reverse("applications:reaccreditation"), {"department_changed": "no"})
    assert b"six months before the award expires" in response.content
    assert Application.objects.count() == 1

    Enrolment.objects.filter(facility=enrolled.facility).update(award_expires_on=timezone.localdate() + timedelta(days=90))
    client.force_login(enrolled.deputy)
    assert client.post(reverse("applications:reaccreditation"), {}).status_code == 403
    client.force_login(enrolled.rep)
    assert b"Start the re-accreditation" in client.get(reverse("facilities:dashboard")).content
    client.post(reverse("applications:reaccreditation"), {"department_changed": "no"})
    assert Application.objects.count() == 2
    assert b"already started" in client.post(reverse("applications:reaccreditation"), {"department_changed": "no"}).content
    page = client.get(reverse("applications:application")).content.decode()
    assert "0 of 28 core questions complete" in page  # the new application's answers await review; the old one's stay


def test_a_centre_of_excellence_application_needs_every_extended_question_and_its_approval_recognises_it(
    client, enrolled
):
    accredited_until(enrolled, timezone.localdate() + timedelta(days=30))
    client.force_login(enrolled.rep)
    client.post(reverse("applications:reaccreditation"), {"seeks_excellence": "on", "department_changed": "no"})
    renewal = Application.objects.latest("started_at")
    assert renewal.seeks_excellence
    questions = list(Question.objects.filter(standard__question_set=renewal.question_set))
    # The core answers came over from the awarded application; the centre saves each again as its review.
    for answer in renewal.answers.filter(needs_review=True).select_related("question"):
        client.post(reverse("applications:answer", args=[answer.question_id]), {
            "choice": answer.choice, "evidence": answer.evidence, "explanation": answer.explanation or "Reviewed.",
            "version": answer.version,
        })
    assert not renewal.answers.filter(needs_review=True).exists()
    from .factories import complete_case_review

    complete_case_review(renewal)
    response = client.post(reverse("applications:submit"), follow=True)
    assert b"needs every extended question too: 24 are incomplete" in response.content
    answer_questions(renewal, [q for q in questions if not q.is_core])
    client.post(reverse("applications:submit"))
    renewal.refresh_from_db()
    assert renewal.status == Application.Status.SUBMITTED

    assessors = assign(renewal)
    finish_round(renewal, assessors)
    for assessor in assessors:
        assessment.recommend(renewal, assessor, "approve", "Every criterion met.")
    assessment.sign_off_decision(renewal, ChairpersonFactory(), "approved", tier="excellence")
    enrolled.facility.refresh_from_db()
    assert enrolment_of(enrolled.facility).status == Enrolment.Status.EXCELLENCE
    assert enrolment_of(enrolled.facility).award_expires_on.year == timezone.localdate().year + 4


def test_an_expired_award_ends_and_the_directory_stops_calling_the_centre_accredited(client, enrolled):
    from facilities.models import AuditEntry
    from facilities.tasks import lapse_expired_awards

    accredited_until(enrolled, timezone.localdate() - timedelta(days=1))
    assert lapse_expired_awards.delay().get() == [enrolment_of(enrolled.facility).pk]
    assert lapse_expired_awards.delay().get() == []  # once
    enrolled.facility.refresh_from_db()
    assert enrolment_of(enrolled.facility).status == Enrolment.Status.ENROLLED
    assert AuditEntry.objects.filter(facility=enrolled.facility, action="enrolment.status.enrolled",
                                     summary__contains="award expired").exists()
    row = client.get(reverse("directory")).content.decode().split(enrolled.facility.name)[1].split("</tr>")[0]
    assert "Enrolled centre" in row and "Accredited" not in row and "until" not in row

    client.force_login(enrolled.rep)  # a lapsed centre can still re-apply
    client.post(reverse("applications:reaccreditation"), {"department_changed": "no"})
    assert Application.objects.filter(facility=enrolled.facility, status=Application.Status.DRAFT).exists()


def test_re_accreditation_starts_from_the_awarded_answers_marked_for_review_and_submission_waits_for_them(
    client, enrolled
):
    awarded = accredited_until(enrolled, timezone.localdate() + timedelta(days=30))
    client.force_login(enrolled.rep)
    client.post(reverse("applications:reaccreditation"), {"department_changed": "no"})
    renewal = Application.objects.latest("started_at")
    assert renewal.renews == awarded and renewal.department_changes == []
    carried = {(a.question.standard.number, a.question.number): a for a in renewal.answers.select_related("question__standard")}
    originals = {(a.question.standard.number, a.question.number): a for a in awarded.answers.select_related("question__standard")}
    assert carried.keys() == originals.keys() and len(carried) == 28
    assert all(a.needs_review and a.evidence == originals[key].evidence for key, a in carried.items())

    page = client.get(reverse("applications:application")).content.decode()
    assert "Carried over from your last application" in page and "To review" in page
    assert "0 of 28 core questions complete" in page

    response = client.post(reverse("applications:submit"), follow=True)
    assert "28 answers carried over from your last application are still to be reviewed." in response.content.decode()
    renewal.refresh_from_db()
    assert renewal.status == Application.Status.DRAFT

    first = carried[min(carried)]
    client.post(reverse("applications:answer", args=[first.question_id]), {
        "choice": first.choice, "evidence": first.evidence, "explanation": first.explanation, "version": first.version,
    })
    first.refresh_from_db()
    assert not first.needs_review and first.version == 2
    assert originals[min(carried)].version == 1 and not originals[min(carried)].needs_review  # the award's stays


@pytest.mark.parametrize("form, error", [
    ({}, "Say whether your department has changed."),
    ({"department_changed": "yes", "department_changes_described": "A new platform."}, "Tick what has changed."),
    ({"department_changed": "yes", "department_changes": ["equipment"]}, "Describe the changes."),
    ({"department_changed": "no", "department_changes": ["team"]}, "You said nothing has changed"),
    ({"department_changed": "yes", "department_changes": ["roof"], "department_changes_described": "x"}, "is not one of"),
])
def test_the_department_declaration_is_refused_when_incomplete_or_contradictory(client, enrolled, form, error):
    accredited_until(enrolled, timezone.localdate() + timedelta(days=30))
    client.force_login(enrolled.rep)
    response = client.post(reverse("applications:reaccreditation"), form)
    assert error in response.content.decode()
    assert Application.objects.filter(facility=enrolled.facility).count() == 1


def test_a_declared_change_is_kept_with_the_renewal_and_in_the_audit_trail(client, enrolled):
    accredited_until(enrolled, timezone.localdate() + timedelta(days=30))
    client.force_login(enrolled.rep)
    response = client.post(reverse("applications:reaccreditation"), {
        "department_changed": "yes", "department_changes": ["equipment", "team"],
        "department_changes_described": "A new radiosurgery platform and a new lead physicist.",
    })
    assert response.status_code == 302
    renewal = Application.objects.latest("started_at")
    assert renewal.department_changes == ["equipment", "team"]
    assert renewal.department_changes_described.startswith("A new radiosurgery platform")
    entry = AuditEntry.objects.get(action="application.reaccreditation_started")
    assert entry.changes["department_changes"] == [None, "equipment, team"]


def test_answers_follow_their_criterion_into_a_new_version_of_the_question_bank(client, enrolled):
    from applications.models import QuestionSet
    from applications.question_bank import copy_question_set

    awarded = accredited_until(enrolled, timezone.localdate() + timedelta(days=30))
    new_version = copy_question_set(awarded.question_set)
    dropped = Question.objects.get(standard__question_set=new_version, criterion="1(a)")
    dropped.criterion = "1(z)"  # the office rewrote this criterion: its old answer has no place in the new version
    dropped.save()
    QuestionSet.objects.filter(pk=awarded.question_set_id).update(is_current=False)
    QuestionSet.objects.filter(pk=new_version.pk).update(is_current=True)

    client.force_login(enrolled.rep)
    client.post(reverse("applications:reaccreditation"), {"department_changed": "no"})
    renewal = Application.objects.latest("started_at")
    assert renewal.question_set == new_version
    assert {a.question.standard.question_set_id for a in renewal.answers.select_related("question__standard")} == {
        new_version.pk
    }
    assert renewal.answers.count() == 27 and not renewal.answers.filter(question=dropped).exists()
