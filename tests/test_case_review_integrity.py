"""The case review is what the manual says it is, its draw cannot be steered, and nothing changes once submitted."""
import html
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from applications.models import Answer, Application, Question
from applications.services import open_application, save_answer, submit_application
from assessment.models import Assignment
from casereview import services
from casereview.models import CaseDraw, ReviewCase
from facilities.models import AuditEntry, Enrolment, Facility

from .factories import (
    enrolment_of,
    AssessorFactory,
    FacilityFactory,
    ReviewCaseFactory,
    answer_questions,
    complete_case_review,
    core_questions,
)
from .test_case_review import case_data, eligible_csv

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def complete_application(application):
    answer_questions(application, core_questions(application))
    return complete_case_review(application)


def text_of(response):
    return html.unescape(response.content.decode())


# --- Eligibility is checked again at submission ---------------------------------------------------


def test_cases_entered_a_year_ago_whose_date_has_left_the_window_stop_the_submission(client, enrolled, application):
    cases = complete_application(application)
    # Entered when they were eligible; the months have passed since (a stored date is never re-checked on entry).
    for case, days in ((cases[2], 370), (cases[16], 400)):
        ReviewCase.objects.filter(pk=case.pk).update(procedure_date=TODAY - timedelta(days=days))

    with pytest.raises(ValidationError) as refused:
        submit_application(application, enrolled.rep)
    message = " ".join(refused.value.messages)
    assert f"case 3, {cases[2].record_identifier}" in message and f"case 17, {cases[16].record_identifier}" in message
    assert "outside the 12 months before submission" in message

    client.force_login(enrolled.rep)
    area = text_of(client.get(reverse("applications:application")))
    assert "does not meet the manual's rules" in area and cases[2].record_identifier in area
    assert reverse("applications:submit") not in area
    response = client.post(reverse("applications:submit"), follow=True)
    assert cases[16].record_identifier in text_of(response)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT and application.submitted_at is None

    summary = text_of(client.get(reverse("casereview:summary")))
    assert "not in the 12 months before submission" in summary
    assert f"Case 3: {cases[2].record_identifier}" in summary and f"Case 17: {cases[16].record_identifier}" in summary

    # Replacing the two cases by recent ones makes the review eligible again.
    ReviewCase.objects.filter(pk__in=[cases[2].pk, cases[16].pk]).update(procedure_date=TODAY - timedelta(days=5))
    assert submit_application(application, enrolled.rep).status == Application.Status.SUBMITTED


def test_thirty_cases_of_fewer_than_3_tumour_types_cannot_be_submitted(client, enrolled, application):
    answer_questions(application, core_questions(application))
    complete_case_review(application, count=20, tumour_type="Liver")
    complete_case_review(application, count=10, tumour_type="Kidney")
    with pytest.raises(ValidationError, match="The cases cover 2 tumour types; the review must cover at least 3"):
        submit_application(application, enrolled.rep)
    client.force_login(enrolled.rep)
    confirm = text_of(client.get(reverse("applications:submit")))
    assert "cover 2 tumour types" in confirm and "Yes, submit the application" not in confirm
    assert "The application cannot be submitted until it does." in text_of(client.get(reverse("casereview:summary")))
    assert Application.objects.get(pk=application.pk).status == Application.Status.DRAFT


def test_the_window_of_a_submitted_review_ends_on_its_submission_date(application):
    complete_case_review(application, procedure_date=TODAY - timedelta(days=240))
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.SUBMITTED, submitted_at=timezone.now() - timedelta(days=200)
    )
    application.refresh_from_db()
    # Read months later, the cases were still of the 12 months before submission.
    assert services.review_state(application).eligibility_problems == ()


def test_a_programme_without_case_review_has_no_case_review_rules():
    from applications.models import Programme

    facility = FacilityFactory(status=Enrolment.Status.ENROLLED, programme=Programme.objects.get(code="srs"))
    application = open_application(enrolment_of(facility))
    answer_questions(application, core_questions(application))
    assert submit_application(application, facility.authorised_representative).status == Application.Status.SUBMITTED


# --- The draw cannot be steered -------------------------------------------------------------------


def test_the_portal_chooses_the_seed_whatever_the_request_says(client, enrolled, application):
    client.force_login(enrolled.member)
    assert 'name="seed"' not in client.get(reverse("casereview:draw")).content.decode()
    client.post(reverse("casereview:draw"), {"records_text": eligible_csv(60), "seed": "2024"})
    draw = CaseDraw.objects.get(review__application=application)
    assert draw.seed != 2024
    assert [r.record_identifier for r in services.choose_cases(services.read_eligible_records(eligible_csv(60)), draw.seed)] == (
        draw.record_identifiers
    )
    with pytest.raises(TypeError):
        services.draw_review_cases(draw.review, enrolled.member, [], seed=1)  # the service takes no seed


def draw_through_the_page(client, text, **fields):
    return client.post(reverse("casereview:draw"), {"records_text": text, **fields}, follow=True)


def test_a_second_draw_needs_a_reason_replaces_the_drawn_cases_and_both_draws_stay_in_the_record(
    client, enrolled, application, office_user
):
    client.force_login(enrolled.member)
    draw_through_the_page(client, eligible_csv(60))
    first = CaseDraw.objects.get()
    ticked = ReviewCase.objects.first()
    ReviewCase.objects.filter(pk=ticked.pk).update(checked=True)

    page = client.get(reverse("casereview:draw")).content.decode()
    assert "Draw the cases again" in page and 'name="reason"' in page and "It replaces the 30 drawn cases" in page
    refused = client.post(reverse("casereview:draw"), {"records_text": eligible_csv(90), "reason": "   "})
    assert refused.status_code == 422 and "This field is required." in refused.content.decode()
    assert CaseDraw.objects.count() == 1
    assert list(ReviewCase.objects.order_by("pk").values_list("record_identifier", flat=True)) == first.record_identifiers

    reason = "Our first list missed the procedures of March."
    draw_through_the_page(client, eligible_csv(90), reason=reason)
    first.refresh_from_db()
    second = CaseDraw.objects.get(number=2)
    assert (second.reason, second.list_size, first.list_size) == (reason, 90, 60)
    assert list(ReviewCase.objects.order_by("pk").values_list("record_identifier", flat=True)) == second.record_identifiers
    assert len(first.record_identifiers) == 30 and first.seed != second.seed
    entry = AuditEntry.objects.get(action="casereview.drawn", changes__draw=2)
    assert entry.changes["reason"] == reason and entry.changes["replaced"] == first.record_identifiers

    assessor = AssessorFactory()
    Assignment.objects.create(application=application, assessor=assessor, slot=1, assigned_by=office_user)
    assign_perm("applications.assess_application", assessor, application)
    for reader, url in ((office_user, "office:case_review"), (assessor, "assessment:case_review")):
        client.force_login(reader)
        page = text_of(client.get(reverse(url, args=[application.pk])))
        assert "The cases were drawn 2 times" in page and reason in page


def test_the_service_refuses_a_second_draw_without_a_reason(enrolled, application):
    review = services.open_case_review(application)
    records = services.read_eligible_records(eligible_csv(40))
    services.draw_review_cases(review, enrolled.member, records)
    with pytest.raises(ValidationError, match="give the reason"):
        services.draw_review_cases(review, enrolled.member, records, reason=" ")
    assert CaseDraw.objects.count() == 1


def test_no_draw_once_the_application_is_submitted(client, enrolled, application):
    review = services.open_case_review(application)
    services.draw_review_cases(review, enrolled.member, services.read_eligible_records(eligible_csv(40)))
    Application.objects.filter(pk=application.pk).update(status=Application.Status.SUBMITTED)
    client.force_login(enrolled.member)
    response = client.post(reverse("casereview:draw"), {"records_text": eligible_csv(50), "reason": "Another go"})
    assert response.status_code == 422 and "the case review is read-only" in response.content.decode()
    assert CaseDraw.objects.count() == 1


def test_an_auditor_repeats_either_of_two_draws(client, enrolled, application, office_user):
    review = services.open_case_review(application)
    first_list, second_list = eligible_csv(60), eligible_csv(75)
    first = services.draw_review_cases(review, enrolled.member, services.read_eligible_records(first_list)).record
    second = services.draw_review_cases(
        review, enrolled.member, services.read_eligible_records(second_list), reason="The list was short"
    ).record

    client.force_login(office_user)
    url = reverse("office:repeat_draw", args=[application.pk])
    page = text_of(client.get(url))
    assert "The cases were drawn 2 times." in page and "The list was short" in page
    for draw, text in ((first, first_list), (second, second_list)):
        result = text_of(client.post(url, {"draw": draw.pk, "records_text": text}))
        assert f"Draw {draw.number}:" in result and "This is the list the cases were drawn from" in result
        assert "gives exactly the cases recorded for this draw" in result
    wrong = text_of(client.post(url, {"draw": first.pk, "records_text": second_list}))
    assert "This is not the list" in wrong and "other cases than those recorded" in wrong


# --- Nothing changes after it is locked -----------------------------------------------------------


def wait_until_a_connection_waits_for_a_lock(seconds=3):
    """True once another connection waits on a row lock (it reached the lock); False after ``seconds``."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def save_during_submission(application, user, save):
    """Submit in this connection and, before the submission commits, run ``save`` in a second connection.

    The save read the application before the submission (the page the user had loaded); it returns what
    the save raised, or None.
    """
    outcome = {}

    def run():
        try:
            save()
        except Exception as error:  # noqa: BLE001 - the outcome is asserted by the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    with transaction.atomic():
        submit_application(application, user)
        thread.start()
        wait_until_a_connection_waits_for_a_lock()
    thread.join(10)
    return outcome.get("error")


@pytest.mark.django_db(transaction=True)
def test_an_answer_saved_while_the_application_is_being_submitted_is_refused_and_unchanged():
    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    application = open_application(enrolment_of(facility))
    complete_application(application)
    question = Question.objects.get(standard__question_set=application.question_set, number=1)
    loaded = Application.objects.get(pk=application.pk)  # the page the member had open: still a draft
    answer = Answer.objects.get(application=application, question=question)

    error = save_during_submission(application, facility.authorised_representative, lambda: save_answer(
        loaded, question, facility.main_account_holder, choice="no", evidence="Changed after submission",
        explanation="", base_version=answer.version,
    ))

    assert isinstance(error, ValidationError) and "has been submitted and can no longer be changed" in error.messages[0]
    after = Answer.objects.get(pk=answer.pk)
    assert (after.choice, after.evidence, after.version) == (answer.choice, answer.evidence, answer.version)
    assert Application.objects.get(pk=application.pk).status == Application.Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", ["save", "add", "delete", "draw"])
def test_a_case_review_write_racing_the_submission_is_refused_and_changes_nothing(write):
    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    application = open_application(enrolment_of(facility))
    cases = complete_application(application)
    member = facility.main_account_holder
    case = ReviewCase.objects.select_related("review__application").get(pk=cases[0].pk)  # loaded before submitting
    review = case.review
    before = list(ReviewCase.objects.order_by("pk").values_list("record_identifier", "checked", "version"))
    writes = {
        "save": lambda: services.save_review_case(
            case, member, record_identifier="CHANGED-LATE", procedure_date=case.procedure_date,
            tumour_type=case.tumour_type, present_items=[], checked=False, base_version=case.version,
        ),
        "add": lambda: services.add_review_case(review, member, record_identifier="ADDED-LATE"),
        "delete": lambda: services.delete_review_case(case, member),
        "draw": lambda: services.draw_review_cases(
            review, member, services.read_eligible_records(eligible_csv(40)), reason="Late"
        ),
    }
    if write == "draw":
        ReviewCase.objects.filter(pk__in=[c.pk for c in cases]).update(drawn=True)

    error = save_during_submission(application, facility.authorised_representative, writes[write])

    assert isinstance(error, ValidationError) and "can no longer be changed" in error.messages[0]
    assert list(ReviewCase.objects.order_by("pk").values_list("record_identifier", "checked", "version")) == before
    assert not CaseDraw.objects.exists()


def test_the_page_loaded_before_submission_refuses_the_save_with_a_clear_message(client, enrolled, application):
    cases = complete_application(application)
    client.force_login(enrolled.member)
    assert client.get(reverse("casereview:case", args=[cases[0].pk])).status_code == 200
    submit_application(application, enrolled.rep)
    response = client.post(
        reverse("casereview:case", args=[cases[0].pk]), case_data(cases[0], 1, checked=False), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and "can no longer be changed" in response.content.decode()
    assert ReviewCase.objects.get(pk=cases[0].pk).checked


# --- Every write re-reads the row it guards -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_first_visits_at_once_start_one_application():
    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    opened = []

    def visit():
        try:
            opened.append(open_application(enrolment_of(facility)).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=visit) for _ in range(2)]
    with transaction.atomic():
        Facility.objects.select_for_update().get(pk=facility.pk)  # both visits find no application meanwhile
        for thread in threads:
            thread.start()
        wait_until_a_connection_waits_for_a_lock()
        time.sleep(0.2)  # the second visit reaches the lock too
    for thread in threads:
        thread.join(10)
    assert Application.objects.filter(facility=facility).count() == 1 and len(set(opened)) == 1


def test_deleting_a_case_someone_else_deleted_is_refused_without_a_second_audit_entry(enrolled, application):
    case = ReviewCaseFactory(application=application)
    services.delete_review_case(case, enrolled.member)
    with pytest.raises(ValidationError, match="deleted in the meantime"):
        services.delete_review_case(case, enrolled.deputy)
    assert AuditEntry.objects.filter(action="casereview.case_deleted").count() == 1


def test_a_case_saved_after_someone_deleted_it_is_refused(client, enrolled, application):
    case = ReviewCaseFactory(application=application)
    client.force_login(enrolled.member)
    services.delete_review_case(case, enrolled.deputy)
    with pytest.raises(ValidationError, match="deleted in the meantime"):
        services.save_review_case(
            case, enrolled.member, record_identifier="X", procedure_date=case.procedure_date, tumour_type="Liver",
            present_items=[], checked=True, base_version=1,
        )
    assert not ReviewCase.objects.exists()


# --- The draw recorded before draws had their own rows --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_draw_recorded_on_a_review_becomes_its_first_draw():
    from django.db.migrations.executor import MigrationExecutor

    facility = FacilityFactory(status=Enrolment.Status.ENROLLED)
    application = open_application(enrolment_of(facility))
    kept = complete_case_review(application, count=3, drawn=True)
    review_pk, drawer = kept[0].review_id, facility.main_account_holder
    before_draws = [("casereview", "0003_case_revisions")]
    executor = MigrationExecutor(connection)
    executor.migrate(before_draws)
    old_apps = executor.loader.project_state(before_draws).apps
    drawn_at = timezone.now() - timedelta(days=30)
    old_apps.get_model("casereview", "CaseReview").objects.filter(pk=review_pk).update(
        draw_seed=4242, draw_list_size=55, draw_list_sha256="a" * 64, drawn_at=drawn_at, drawn_by_id=drawer.pk
    )
    identifiers = [case.record_identifier for case in kept] + ["DELETED-SINCE"]
    old_apps.get_model("facilities", "AuditEntry").objects.create(
        action="casereview.drawn", summary="drawn", target_type="casereview.casereview", target_id=str(review_pk),
        changes={"seed": 4242, "record_identifiers": identifiers},
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    draw = CaseDraw.objects.get(review_id=review_pk)
    assert (draw.number, draw.seed, draw.list_size, draw.list_sha256, draw.drawn_at, draw.drawn_by_id, draw.reason) == (
        1, 4242, 55, "a" * 64, drawn_at, drawer.pk, ""
    )
    assert draw.record_identifiers == identifiers


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_question_set_at_once_get_two_version_numbers():
    from applications.models import Programme, QuestionSet
    from applications.question_bank import copy_question_set

    programme = Programme.objects.get(code="srs")
    current = programme.current_question_set()
    outcomes = []

    def copy():
        try:
            outcomes.append(copy_question_set(current).version)
        except Exception as error:  # noqa: BLE001 - the outcome is asserted below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=copy) for _ in range(2)]
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=programme.pk)  # both copies start while the programme is held
        for thread in threads:
            thread.start()
        wait_until_a_connection_waits_for_a_lock()
        time.sleep(0.2)
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == [current.version + 1, current.version + 2]
    assert QuestionSet.objects.filter(programme=programme).count() == 3
