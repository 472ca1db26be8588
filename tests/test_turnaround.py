"""Turnaround: each application's days at its step and since submission against its programme's targets.

The convention: whole calendar days in the portal's time zone; a target of 14 days is met on day 14 and missed
(one day late) on day 15.
"""
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Programme, WorkflowEvent
from applications.workflow import Status
from assessment.models import Decision, TurnaroundTarget
from assessment.turnaround import attach_turnaround, late_applications, turnaround_of_application

from .factories import ApplicationFactory, ChairpersonFactory, FacilityFactory
from .workflow_steps import assign, submitted_application

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def at(days_ago, hour=12):
    """A moment ``days_ago`` calendar days before today, at ``hour`` local time."""
    return timezone.make_aware(datetime.combine(TODAY - timedelta(days=days_ago), time(hour)))


def waiting(status, step_days, submitted_days=None, name="Waiting centre", programme="io"):
    """An application that entered ``status`` ``step_days`` ago, submitted ``submitted_days`` ago."""
    facility = FacilityFactory(name=name, status="enrolled", programme=Programme.objects.get(code=programme))
    application = ApplicationFactory(facility=facility)
    submitted = at(step_days if submitted_days is None else submitted_days)
    Application.objects.filter(pk=application.pk).update(status=status, submitted_at=submitted)
    event = WorkflowEvent.objects.create(application=application, transition="x", from_status=Status.DRAFT,
                                         to_status=status, summary="moved")
    WorkflowEvent.objects.filter(pk=event.pk).update(created_at=at(step_days))
    return Application.objects.get(pk=application.pk)


def ages(application):
    return turnaround_of_application(application, TODAY)


def test_the_shipped_targets_cover_io_and_srs_with_german_names():
    for code in ("io", "srs"):
        targets = {t.status: t for t in TurnaroundTarget.objects.filter(programme__code=code)}
        assert targets["submitted"].days == 14 and targets["under_review"].days == 28 and targets[""].days == 84
        assert targets["submitted"].name_de == "Zwei Gutachter/innen zuweisen"


@pytest.mark.parametrize("days, late_by", [(13, 0), (14, 0), (15, 1), (20, 6)])
def test_a_14_day_step_is_met_on_day_14_and_late_from_day_15(days, late_by):
    application = waiting(Status.SUBMITTED, days)
    turnaround = ages(application)
    assert turnaround.step.days == days and turnaround.step.target.days == 14
    assert turnaround.step.is_late == bool(late_by) and turnaround.step.days_late == late_by
    assert (application in late_applications(ChairpersonFactory(), TODAY)) == bool(late_by)


def test_days_are_calendar_days_in_the_portals_time_zone():
    # Entered at 23:30 local time fifteen days ago: that evening was day 0, so today is day 15.
    application = waiting(Status.SUBMITTED, 15)
    WorkflowEvent.objects.filter(application=application).update(created_at=at(15, hour=23) + timedelta(minutes=30))
    assert ages(application).step.days == 15 and ages(application).step.days_late == 1


def test_the_step_clock_starts_with_the_event_that_entered_the_status(enrolled):
    application = submitted_application(enrolled.facility)
    WorkflowEvent.objects.filter(application=application).update(created_at=at(40))
    Application.objects.filter(pk=application.pk).update(submitted_at=at(40))
    assign(application)  # enters under_review today: a new round's clock
    turnaround = ages(application)
    assert turnaround.step.days == 0 and turnaround.step.target.days == 28 and not turnaround.step.is_late
    assert turnaround.total.days == 40 and turnaround.total.target.days == 84


def test_a_step_without_a_target_shows_its_age_only_and_the_whole_clock_stops_at_the_decision(chairperson):
    application = waiting(Status.DEFERRED, 3, submitted_days=100)
    assert ages(application).step.target is None and ages(application).total.is_late
    Decision.objects.create(application=application, outcome="deferred", decided_by=chairperson, decided_on=TODAY)
    turnaround = ages(application)
    assert turnaround.total.days == 100 and turnaround.total.target is None and turnaround.late is None


def test_the_office_edits_a_target_in_the_admin_and_the_ages_follow_it():
    application = waiting(Status.SUBMITTED, 10)
    assert not ages(application).step.is_late
    TurnaroundTarget.objects.filter(programme__code="io", status=Status.SUBMITTED).update(days=7)
    assert ages(application).step.days_late == 3


def test_a_target_on_a_draft_or_an_approval_is_refused_with_a_reason():
    from django.core.exceptions import ValidationError

    target = TurnaroundTarget(programme=Programme.objects.get(code="io"), status=Status.APPROVED, name="Never", days=5)
    with pytest.raises(ValidationError, match="no step to finish in time"):
        target.full_clean()


def test_the_late_list_holds_only_late_applications_longest_overdue_first(chairperson):
    on_time = waiting(Status.UNDER_REVIEW, 28, name="On time")
    slightly = waiting(Status.SUBMITTED, 16, name="Two days late")                # 14-day step: 2 days late
    very = waiting(Status.UNDER_REVIEW, 40, name="Twelve days late")              # 28-day step: 12 days late
    whole = waiting(Status.CLARIFICATION_REQUESTED, 5, submitted_days=90, name="Six days late overall")  # 84 days
    srs = waiting(Status.SUBMITTED, 19, name="SRS five days late", programme="srs")
    draft = waiting(Status.DRAFT, 300, name="Draft")

    late = list(late_applications(chairperson, TODAY))

    assert late == [very, whole, srs, slightly]
    assert on_time not in late and draft not in late
    attach_turnaround(late, TODAY)
    assert [a.turnaround.late.days_late for a in late] == [12, 6, 5, 2]
    assert [a.turnaround.late.target.name for a in late] == [
        "A round of review", "Decision from submission", "Assign two assessors", "Assign two assessors"]


def test_a_late_list_of_a_thousand_applications_takes_four_queries(
    chairperson, django_assert_num_queries
):
    from .test_office_lists import applications_of, listed_facilities

    applications = applications_of(listed_facilities(1000, status="enrolled"), Status.SUBMITTED)
    Application.objects.filter(pk__in=[a.pk for a in applications[:600]]).update(submitted_at=at(20))
    with django_assert_num_queries(4):  # the targets, the rows, their facilities, the targets of their programmes
        late = attach_turnaround(list(late_applications(chairperson, TODAY)), TODAY)
    assert len(late) == 600 and all(a.turnaround.late.days_late == 6 for a in late)


def test_the_office_start_page_lists_late_applications_oldest_first_in_a_fixed_number_of_queries(
    client, office_user, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    waiting(Status.SUBMITTED, 16, name="Two days late")
    # Under review with no assessor assigned: it is also on the card of applications waiting for a replacement.
    waiting(Status.UNDER_REVIEW, 40, name="Twelve days late")
    client.force_login(office_user)
    client.get(reverse("office:attention"))
    with CaptureQueriesContext(connection) as one_late:
        client.get(reverse("office:attention"))
    for n in range(12):
        waiting(Status.SUBMITTED, 15, name=f"One day late {n}")
    with django_assert_num_queries(len(one_late)):
        page = client.get(reverse("office:attention")).content.decode()
    card = page.split("Late against the turnaround targets", 1)[1].split("</section>")[0]
    assert card.index("Twelve days late") < card.index("Two days late")
    assert "12 days late" in card and "A round of review" in card and "day 40 of 28" in card
    assert '<span class="count">14</span>' in card and "late_page=2" in card


def test_the_office_the_facility_and_the_assessor_see_the_ages_on_the_application(client, enrolled, office_user):
    application = submitted_application(enrolled.facility)
    WorkflowEvent.objects.filter(application=application).update(created_at=at(16))
    Application.objects.filter(pk=application.pk).update(submitted_at=at(16))

    client.force_login(office_user)
    office_page = client.get(reverse("office:application", args=[application.pk])).content.decode()
    assert "At this step for 16 of 14 days" in office_page and "2 days late" in office_page
    assert "16 of 84 days since submission" in office_page
    listed = client.get(reverse("assessment:office_list")).content.decode()
    assert "At this step for 16 of 14 days" in listed

    client.force_login(enrolled.rep)
    assert "16 of 84 days since submission" in client.get(reverse("facilities:dashboard")).content.decode()

    first, _ = assign(application)
    client.force_login(first)
    review = client.get(reverse("assessment:review", args=[application.pk])).content.decode()
    assert "At this step for 0 of 28 days" in review and "16 of 84 days since submission" in review


def test_a_german_reader_sees_the_targets_german_name(client, office_user):
    waiting(Status.SUBMITTED, 16, name="Two days late")
    office_user.language = "de"
    office_user.save()
    client.force_login(office_user)
    page = client.get(reverse("office:attention"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Zwei Gutachter/innen zuweisen" in page and "Assign two assessors" not in page
