"""The office's report page: four figures as SVG charts with their tables, each table as CSV."""
import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, QuestionSet, WorkflowEvent
from applications.workflow import Status
from assessment.models import Assignment, Decision
from reports.charts import bar_chart
from reports.figures import Figure, percentile

from .factories import AssessorFactory
from .test_office_lists import applications_of, listed_facilities

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def step(application, to_status, days_ago):
    event = WorkflowEvent.objects.create(application=application, transition="x", from_status=Status.DRAFT,
                                         to_status=to_status, summary="moved")
    WorkflowEvent.objects.filter(pk=event.pk).update(created_at=NOW - timedelta(days=days_ago))


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_percentiles_interpolate_between_ranks():
    days = list(range(1, 11))
    assert percentile(days, 0.5) == 5.5 and percentile(days, 0.9) == pytest.approx(9.1) and percentile([4], 0.9) == 4


def test_bars_are_scaled_to_the_largest_value_and_long_labels_are_cut_in_the_chart_only():
    figure = Figure("f", "F", "", "Step", ["Median", "Count"], [("Short", [4, 1]), ("A" * 40, [2, 9])], ["brand"])
    chart = bar_chart(figure)
    assert [bar["width"] for row in chart["rows"] for bar in row["bars"]] == ["370.0", "185.0"]  # only Median drawn
    assert chart["rows"][1]["label"] == "A" * 29 + "…" and figure.dataset()[1] == ("A" * 40, 2, 9)


def test_days_per_step_are_the_median_and_90th_percentile_of_the_steps_left_in_the_last_12_months(client, office_user):
    # Ten applications waited 1, 2, ... 10 days for their assessors; one waited 100 days, but over a year ago.
    applications = applications_of(listed_facilities(11, status="enrolled"), Status.UNDER_REVIEW)
    for waited, application in enumerate(applications[:10], start=1):
        step(application, Status.SUBMITTED, 50)
        step(application, Status.UNDER_REVIEW, 50 - waited)
    step(applications[10], Status.SUBMITTED, 500)
    step(applications[10], Status.UNDER_REVIEW, 400)
    client.force_login(office_user)

    rows = csv_rows(client.get(reverse("reports:csv", args=["days-per-step"])))

    assert rows == [["Step", "Median days", "90th percentile days", "Steps completed"],
                    ["Submitted, awaiting assessors", "5.5", "9.1", "10"]]
    page = client.get(reverse("reports:index")).content.decode()
    assert '<th scope="row">Submitted, awaiting assessors</th><td class="num">5.5</td><td class="num">9.1</td>' in page


def test_applications_per_status_decisions_per_month_and_workload(client, office_user, chairperson):
    applications_of(listed_facilities(3, status="enrolled"), Status.SUBMITTED)
    decided = applications_of(listed_facilities(4, status="enrolled"), Status.APPROVED)
    today = timezone.localdate()
    for application, outcome, days_ago in zip(decided, ["approved", "approved", "denied", "approved"], [0, 0, 0, 400]):
        Decision.objects.create(application=application, outcome=outcome, decided_by=chairperson,
                                decided_on=today - timedelta(days=days_ago))
    busy, idle = AssessorFactory(first_name="Busy", last_name="Assessor"), AssessorFactory(first_name="Idle", last_name="Assessor")
    under_review = applications_of(listed_facilities(2, status="enrolled"), Status.UNDER_REVIEW)
    Assignment.objects.bulk_create(
        Assignment(application=a, assessor=busy, slot=1, assigned_by=office_user) for a in [*under_review, decided[0]]
    )
    client.force_login(chairperson)

    statuses = dict(csv_rows(client.get(reverse("reports:csv", args=["applications-per-status"])))[1:])
    assert statuses["Submitted, awaiting assessors"] == "3" and statuses["Approved"] == "4"
    assert statuses["Under review"] == "2" and statuses["Denied"] == "0"

    months = csv_rows(client.get(reverse("reports:csv", args=["decisions-per-month"])))
    assert months[0] == ["Month", "Approved", "Deferred", "Denied"] and len(months) == 13
    assert months[-1][1:] == ["2", "0", "1"] and sum(int(n) for row in months[1:] for n in row[1:]) == 3

    workload = csv_rows(client.get(reverse("reports:csv", args=["assessor-workload"])))
    assert workload[:3] == [["Assessor", "Open assignments"], ["Busy Assessor", "2"], ["Idle Assessor", "0"]]


def test_each_chart_is_an_image_named_by_its_title_beside_its_table_and_a_csv_link(client, office_user):
    client.force_login(office_user)
    page = client.get(reverse("reports:index")).content.decode()
    for slug in ("applications-per-status", "days-per-step", "decisions-per-month", "assessor-workload"):
        assert f'role="img" aria-labelledby="{slug}-title {slug}-desc"' in page
        assert f'<title id="{slug}-title">' in page and f'<desc id="{slug}-desc">' in page
        assert f'href="{reverse("reports:csv", args=[slug])}"' in page
    assert '<a href="/office/reports/" aria-current="page">Reports</a>' in page


def test_the_csv_is_named_after_its_figure_and_an_unknown_figure_is_not_found(client, office_user):
    client.force_login(office_user)
    response = client.get(reverse("reports:csv", args=["assessor-workload"]))
    assert response["Content-Disposition"] == f'attachment; filename="assessor-workload-{timezone.localdate().isoformat()}.csv"'
    assert client.get(reverse("reports:csv", args=["invoices"])).status_code == 404


def test_the_report_sends_a_signed_out_reader_to_sign_in_and_refuses_facility_staff_and_assessors(client, enrolled, assessor):
    for url in (reverse("reports:index"), reverse("reports:csv", args=["days-per-step"])):
        assert reverse("account_login") in client.get(url).url
        for user in (enrolled.rep, assessor):
            client.force_login(user)
            assert client.get(url).status_code == 403
            client.logout()


def many_applications(count, office_user, chairperson):
    """``count`` applications in every status, each with two steps behind it, a decision and an assessor."""
    statuses = [status for status in Status.values if status != Status.DRAFT]
    facilities = listed_facilities(count, status="enrolled")
    question_set = QuestionSet.objects.get(programme__code="io", is_current=True)
    pathway = question_set.programme.current_pathway()
    applications = Application.objects.bulk_create(
        Application(facility=f, enrolment=f.io_enrolment, question_set=question_set, pathway=pathway, status=statuses[n % len(statuses)],
                    submitted_at=NOW)
        for n, f in enumerate(facilities)
    )
    WorkflowEvent.objects.bulk_create(
        WorkflowEvent(application=a, transition="x", from_status=Status.DRAFT, to_status=status, summary="moved")
        for a in applications for status in (Status.SUBMITTED, Status.UNDER_REVIEW)
    )
    Decision.objects.bulk_create(
        Decision(application=a, outcome="approved", decided_by=chairperson, decided_on=timezone.localdate()) for a in applications
    )
    assessors = [AssessorFactory() for _ in range(3)]
    Assignment.objects.bulk_create(
        Assignment(application=a, assessor=assessors[n % 3], slot=1, assigned_by=office_user) for n, a in enumerate(applications)
    )


REPORT_QUERIES = 10  # the session, the user, the second factor, four figures; the margin for the page's chrome


def test_the_report_takes_as_many_queries_for_300_applications_as_for_one(
    client, office_user, chairperson, django_assert_num_queries
):
    client.force_login(office_user)
    many_applications(1, office_user, chairperson)
    client.get(reverse("reports:index"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reports:index"))
    many_applications(300, office_user, chairperson)
    assert len(one) <= REPORT_QUERIES
    with django_assert_num_queries(len(one)):
        page = client.get(reverse("reports:index")).content.decode()
    assert "Listed centre" not in page  # figures, not rows
    assert Application.objects.count() == 301
