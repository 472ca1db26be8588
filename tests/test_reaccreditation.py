from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Question
from assessment import services as assessment
from assessment.models import Award
from facilities.models import Facility

from .factories import ChairpersonFactory, answer_questions
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
    Facility.objects.filter(pk=people.facility.pk).update(award_expires_on=expires_on)
    Award.objects.filter(facility=people.facility).update(granted_on=expires_on.replace(year=expires_on.year - 4),
                                                          expires_on=expires_on)
    people.facility.refresh_from_db()
    return application


def test_re_accreditation_opens_six_months_before_expiry_for_the_authorised_representative_only(client, enrolled):
    accredited_until(enrolled, timezone.localdate() + timedelta(days=365))
    client.force_login(enrolled.rep)
    assert b"Re-accreditation opens on" in client.get(reverse("facilities:dashboard")).content
    response = client.post(reverse("applications:reaccreditation"), {})
    assert b"six months before the award expires" in response.content
    assert Application.objects.count() == 1

    Facility.objects.filter(pk=enrolled.facility.pk).update(award_expires_on=timezone.localdate() + timedelta(days=90))
    client.force_login(enrolled.deputy)
    assert client.post(reverse("applications:reaccreditation"), {}).status_code == 403
    client.force_login(enrolled.rep)
    assert b"Start the re-accreditation" in client.get(reverse("facilities:dashboard")).content
    client.post(reverse("applications:reaccreditation"), {})
    assert Application.objects.count() == 2
    assert b"already started" in client.post(reverse("applications:reaccreditation"), {}).content
    page = client.get(reverse("applications:application")).content.decode()
    assert "0 of 28 core questions complete" in page  # the new application, the old one kept as it was


def test_a_centre_of_excellence_application_needs_every_extended_question_and_its_approval_recognises_it(
    client, enrolled
):
    accredited_until(enrolled, timezone.localdate() + timedelta(days=30))
    client.force_login(enrolled.rep)
    client.post(reverse("applications:reaccreditation"), {"seeks_excellence": "on"})
    renewal = Application.objects.latest("started_at")
    assert renewal.seeks_excellence
    questions = list(Question.objects.filter(standard__question_set=renewal.question_set))
    answer_questions(renewal, [q for q in questions if q.is_core])
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
    assert enrolled.facility.status == Facility.Status.EXCELLENCE
    assert enrolled.facility.award_expires_on.year == timezone.localdate().year + 4


def test_an_expired_award_ends_and_the_directory_stops_calling_the_centre_accredited(client, enrolled):
    from facilities.models import AuditEntry
    from facilities.tasks import lapse_expired_awards

    accredited_until(enrolled, timezone.localdate() - timedelta(days=1))
    assert lapse_expired_awards.delay().get() == [enrolled.facility.pk]
    assert lapse_expired_awards.delay().get() == []  # once
    enrolled.facility.refresh_from_db()
    assert enrolled.facility.status == Facility.Status.ENROLLED
    assert AuditEntry.objects.filter(facility=enrolled.facility, action="facility.status.enrolled",
                                     summary__startswith="Award expired").exists()
    row = client.get(reverse("directory")).content.decode().split(enrolled.facility.name)[1].split("</tr>")[0]
    assert "Enrolled centre" in row and "Accredited" not in row and "until" not in row

    client.force_login(enrolled.rep)  # a lapsed centre can still re-apply
    client.post(reverse("applications:reaccreditation"), {})
    assert Application.objects.filter(facility=enrolled.facility, status=Application.Status.DRAFT).exists()
