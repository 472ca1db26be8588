import html
import io
import random
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Question
from casereview import services
from casereview.models import CaseDraw, DatasetItem, ReviewCase
from facilities.models import AuditEntry

from .conftest import body_of, pdf_text
from .factories import ReviewCaseFactory, answer_questions, complete_case_review

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()
RECENT = TODAY - timedelta(days=10)


def eligible_csv(count, tumour_types=("Liver", "Colorectal", "Kidney", "Lung"), header="record_identifier,procedure_date,tumour_type"):
    lines = [header] + [
        f"REC-{n:04d},{(TODAY - timedelta(days=n % 300)).isoformat()},{tumour_types[n % len(tumour_types)]}"
        for n in range(1, count + 1)
    ]
    return "\n".join(lines) + "\n"


def upload(text, name="eligible.csv"):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = name
    return file


def add_case(client, **fields):
    data = {"record_identifier": "MRN-1", "procedure_date": RECENT.isoformat(), "tumour_type": "Liver", **fields}
    return client.post(reverse("casereview:review"), data)


# --- The dataset ----------------------------------------------------------------------------------


def test_the_minimum_dataset_is_loaded_with_the_consent_and_safety_items():
    items = DatasetItem.objects.select_related("group")
    assert {group: items.filter(group__code=group).count() for group in ("patient", "presentation", "cancer", "treatment", "consent", "safety")} == {
        "patient": 7, "presentation": 7, "cancer": 8, "treatment": 8, "consent": 2, "safety": 2,
    }
    assert {i.group.criterion for i in items.filter(group__code__in=["consent"])} == {"7(b)"}
    assert {i.group.criterion for i in items.filter(group__code__in=["safety"])} == {"8(d)"}


# --- Entering cases -------------------------------------------------------------------------------


def test_procedure_window_is_the_12_months_up_to_today():
    assert services.procedure_window(date(2026, 5, 10)) == (date(2025, 5, 10), date(2026, 5, 10))
    assert services.procedure_window(date(2028, 2, 29)) == (date(2027, 2, 28), date(2028, 2, 29))
    today = date(2026, 5, 10)
    assert services.procedure_date_problem(date(2025, 5, 10), today) is None
    assert "more than 12 months ago" in services.procedure_date_problem(date(2025, 5, 9), today)
    assert "in the future" in services.procedure_date_problem(date(2026, 5, 11), today)


def test_a_member_adds_a_case_and_it_is_audited(client, enrolled, application):
    client.force_login(enrolled.member)
    response = add_case(client, record_identifier="  MRN-77 ", tumour_type="  Liver   (HCC) ")
    assert response.status_code == 302
    case = ReviewCase.objects.get()
    assert (case.record_identifier, case.procedure_date, case.tumour_type, case.drawn) == ("MRN-77", RECENT, "Liver (HCC)", False)
    assert AuditEntry.objects.filter(action="casereview.case_added", actor=enrolled.member, facility=enrolled.facility).exists()
    page = client.get(reverse("casereview:review")).content.decode()
    assert "MRN-77" in page and "0 of 30 cases complete" in page and "entered: 1" in page


def test_the_identifier_field_says_never_a_name(client, enrolled, application):
    client.force_login(enrolled.member)
    assert "Never the patient's name" in client.get(reverse("casereview:review")).content.decode()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"record_identifier": "mrn-1"}, "The record mrn-1 is already one of the cases."),
        ({"record_identifier": "MRN-2", "procedure_date": (TODAY + timedelta(days=1)).isoformat()}, "is in the future"),
        ({"record_identifier": "MRN-2", "procedure_date": (TODAY - timedelta(days=400)).isoformat()}, "more than 12 months ago"),
        ({"record_identifier": "   "}, "This field is required."),
    ],
)
def test_a_duplicate_or_a_date_outside_the_window_is_refused_and_nothing_stored(client, enrolled, application, fields, message):
    client.force_login(enrolled.member)
    add_case(client)
    response = add_case(client, **fields)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ReviewCase.objects.count() == 1


def test_a_31st_case_is_refused(client, enrolled, application):
    complete_case_review(application)
    client.force_login(enrolled.member)
    response = add_case(client, record_identifier="ONE-TOO-MANY")
    assert response.status_code == 422 and "already has 30 cases" in response.content.decode()
    assert ReviewCase.objects.count() == 30 and not ReviewCase.objects.filter(record_identifier="ONE-TOO-MANY").exists()


def test_tumour_types_are_counted_case_insensitively_and_fewer_than_3_are_flagged(client, enrolled, application):
    for tumour in ("Liver", "liver ", "LIVER", "Colorectal"):
        ReviewCaseFactory(application=application, tumour_type=tumour.strip())
    cases = list(ReviewCase.objects.all())
    assert services.tumour_types(cases) == [("Colorectal", 1), ("Liver", 3)]
    client.force_login(enrolled.member)
    page = client.get(reverse("casereview:summary")).content.decode()
    assert "The cases cover 2 tumour types; the review must cover at least 3." in page


def test_a_case_is_complete_with_identifier_date_tumour_type_and_the_checked_confirmation(application):
    ReviewCaseFactory(application=application, record_identifier="A")
    ReviewCaseFactory(application=application, record_identifier="B", procedure_date=None)
    ReviewCaseFactory(application=application, record_identifier="C", tumour_type="")
    ReviewCaseFactory(application=application, record_identifier="D", checked=False)
    assert [c.is_complete for c in ReviewCase.objects.order_by("record_identifier")] == [True, False, False, False]
    state = services.review_state(application)
    assert (state.cases_entered, state.cases_done, state.cases_complete) == (4, 1, False)


# --- The draw -------------------------------------------------------------------------------------


def records_of(text):
    return services.read_eligible_records(text)


def test_the_same_list_and_seed_give_the_same_30_whatever_the_order_of_lines():
    records = records_of(eligible_csv(120))
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    drawn = services.choose_cases(records, seed=424242)
    assert len(drawn) == 30 and len(set(drawn)) == 30
    assert services.choose_cases(shuffled, seed=424242) == drawn
    assert services.list_sha256(shuffled) == services.list_sha256(records)
    assert services.choose_cases(records, seed=424243) != drawn


def test_staff_upload_the_eligible_list_and_30_cases_are_drawn_with_a_recorded_seed(client, enrolled, application):
    client.force_login(enrolled.member)
    text = eligible_csv(80)
    response = client.post(reverse("casereview:draw"), {"records_file": upload(text)}, follow=True)
    page = html.unescape(response.content.decode())

    draw = CaseDraw.objects.get(review__application=application)
    assert f"Draw 1: 30 cases drawn at random from 80 eligible records with the portal's seed {draw.seed}" in page
    records = records_of(text)
    assert (draw.number, draw.list_size, draw.list_sha256, draw.drawn_by) == (1, 80, services.list_sha256(records), enrolled.member)
    expected = [r.record_identifier for r in services.choose_cases(records, seed=draw.seed)]
    assert draw.record_identifiers == expected
    review = draw.review
    assert list(review.cases.order_by("pk").values_list("record_identifier", flat=True)) == expected
    assert all(review.cases.values_list("drawn", flat=True))
    entry = AuditEntry.objects.get(action="casereview.drawn")
    assert (entry.changes["seed"], entry.changes["list_size"], entry.changes["list_sha256"]) == (draw.seed, 80, draw.list_sha256)
    assert str(draw.seed) in page and draw.list_sha256 in page  # shown for an auditor


def test_a_pasted_list_is_drawn_with_a_seed_that_repeats_the_draw(client, enrolled, application):
    client.force_login(enrolled.member)
    text = eligible_csv(45).replace(",", ";")  # a semicolon export
    client.post(reverse("casereview:draw"), {"records_text": text})
    draw = CaseDraw.objects.get(review__application=application)
    assert draw.review.cases.count() == 30
    expected = [r.record_identifier for r in services.choose_cases(records_of(text), seed=draw.seed)]
    assert list(draw.review.cases.values_list("record_identifier", flat=True)) == expected


def test_a_short_list_is_taken_whole_with_warnings(client, enrolled, application):
    client.force_login(enrolled.member)
    response = client.post(
        reverse("casereview:draw"), {"records_file": upload(eligible_csv(12, tumour_types=("Liver", "Kidney")))}, follow=True
    )
    page = response.content.decode()
    assert ReviewCase.objects.count() == 12
    assert "only 12 eligible records, so all of them were taken" in page
    assert "The cases cover 2 tumour types; the review must cover at least 3." in page


def test_a_bad_upload_is_refused_line_by_line_and_nothing_is_kept(client, enrolled, application):
    client.force_login(enrolled.member)
    too_old = (TODAY - timedelta(days=500)).isoformat()
    text = "\n".join([
        "record_identifier,procedure_date,tumour_type",
        f"A-1,{RECENT.isoformat()},Liver",
        "A-2,12/03/2025,Liver",
        f"A-3,{too_old},Kidney",
        f"a-1,{RECENT.isoformat()},Lung",
        f"A-5,{RECENT.isoformat()}",
        f",{RECENT.isoformat()},Lung",
        f"A-7,{(TODAY + timedelta(days=3)).isoformat()},Lung",
    ])
    response = client.post(reverse("casereview:draw"), {"records_file": upload(text)})
    assert response.status_code == 422
    page = response.content.decode()
    for message in (
        "Line 3: “12/03/2025” is not a date in the form YYYY-MM-DD.",
        f"Line 4: The procedure date {too_old} is more than 12 months ago",
        "Line 5: the record identifier a-1 is already on line 2.",
        "Line 6: expected 3 values (record identifier, procedure date, tumour type) but found 2.",
        "Line 7: the record identifier is empty.",
        "Line 8: The procedure date",
    ):
        assert message.replace("“", "&ldquo;") in page or message in page, message
    assert "Line 2" not in page
    assert not ReviewCase.objects.exists() and not AuditEntry.objects.filter(action="casereview.drawn").exists()
    assert not CaseDraw.objects.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("id,date,tumour\nA,2025-01-01,Liver\n", "Line 1: the header row must name the three columns"),
        ("record_identifier,procedure_date,tumour_type\n", "The list has no records below its header row."),
        ("", "Upload the CSV file of eligible records or paste the list."),
    ],
)
def test_a_list_without_its_header_or_records_is_refused(client, enrolled, application, text, message):
    client.force_login(enrolled.member)
    response = client.post(reverse("casereview:draw"), {"records_text": text})
    assert response.status_code == 422 and message in response.content.decode()
    assert not ReviewCase.objects.exists()


def test_drawing_is_refused_while_the_review_has_cases_entered_by_hand(client, enrolled, application):
    ReviewCaseFactory(application=application, record_identifier="KEEP-ME")
    client.force_login(enrolled.member)
    assert "can only be drawn while it has none" in client.get(reverse("casereview:draw")).content.decode()
    response = client.post(reverse("casereview:draw"), {"records_text": eligible_csv(40)})
    assert response.status_code == 422 and "can only be drawn while" in response.content.decode()
    assert list(ReviewCase.objects.values_list("record_identifier", flat=True)) == ["KEEP-ME"]


# --- Checking a case ------------------------------------------------------------------------------


def case_data(case, version, items=(), checked=True, **fields):
    data = {
        "record_identifier": case.record_identifier, "procedure_date": case.procedure_date.isoformat(),
        "tumour_type": case.tumour_type, "version": version, "present_items": [i.pk for i in items], **fields,
    }
    if checked:
        data["checked"] = "on"
    return data


def test_ticks_save_with_htmx_and_the_case_and_progress_update(client, enrolled, application):
    case = ReviewCaseFactory(application=application, checked=False, present_items=[])
    consent = list(DatasetItem.objects.filter(group__code="consent"))
    client.force_login(enrolled.member)
    response = client.post(reverse("casereview:case", args=[case.pk]), case_data(case, 1, consent), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved at" in body and 'id="case-version" value="2"' in body and "1 of 30 cases complete" in body
    case.refresh_from_db()
    assert set(case.present_items.all()) == set(consent) and case.checked and case.updated_by == enrolled.member


def test_the_plain_save_button_works_without_javascript(client, enrolled, application):
    case = ReviewCaseFactory(application=application, checked=False)
    client.force_login(enrolled.deputy)
    response = client.post(reverse("casereview:case", args=[case.pk]), case_data(case, 1))
    assert response.status_code == 302 and response.url == reverse("casereview:case", args=[case.pk])
    case.refresh_from_db()
    assert case.checked and case.present_items.count() == 0


def test_two_people_checking_the_same_case_the_second_save_is_refused_with_the_other_version(client, enrolled, application):
    from django.test import Client

    case = ReviewCaseFactory(application=application, tumour_type="Liver", checked=False, present_items=[])
    identity = DatasetItem.objects.get(code="identity_verified")
    first, second = Client(), Client()
    first.force_login(enrolled.member)
    second.force_login(enrolled.holder)
    assert first.post(reverse("casereview:case", args=[case.pk]), case_data(case, 1, [identity]), **HTMX).status_code == 200
    response = second.post(reverse("casereview:case", args=[case.pk]), case_data(case, 1, [], tumour_type="Kidney"), **HTMX)
    assert response.status_code == 409 and response["HX-Retarget"] == "#case-form"
    body = response.content.decode()
    assert "after you opened it" in body and identity.label in body and 'value="Kidney"' in body
    case.refresh_from_db()
    assert case.version == 2 and list(case.present_items.all()) == [identity] and case.tumour_type == "Liver"


def test_a_new_date_outside_the_window_is_refused_when_saving_a_case(client, enrolled, application):
    case = ReviewCaseFactory(application=application)
    client.force_login(enrolled.member)
    data = case_data(case, 1, procedure_date=(TODAY + timedelta(days=5)).isoformat())
    response = client.post(reverse("casereview:case", args=[case.pk]), data, **HTMX)
    assert response.status_code == 422 and "is in the future" in response.content.decode()
    case.refresh_from_db()
    assert case.procedure_date == RECENT - timedelta(days=30) and case.version == 1


def test_a_case_is_deleted_after_a_confirmation_and_it_is_audited(client, enrolled, application):
    case = ReviewCaseFactory(application=application, record_identifier="GONE-1")
    client.force_login(enrolled.member)
    confirm = client.get(reverse("casereview:delete_case", args=[case.pk])).content.decode()
    assert "Delete case GONE-1?" in confirm and "cannot be undone" in confirm
    assert ReviewCase.objects.exists()
    response = client.post(reverse("casereview:delete_case", args=[case.pk]))
    assert response.status_code == 302 and not ReviewCase.objects.exists()
    assert AuditEntry.objects.filter(action="casereview.case_deleted", changes__record_identifier=["GONE-1", None]).exists()


def test_another_facilitys_case_is_not_found(client, enrolled, application):
    from .factories import ApplicationFactory

    other_case = ReviewCaseFactory(application=ApplicationFactory(), record_identifier="THEIRS")
    client.force_login(enrolled.member)
    assert client.post(reverse("casereview:case", args=[other_case.pk]), case_data(other_case, 1, checked=False)).status_code == 404
    assert client.post(reverse("casereview:delete_case", args=[other_case.pk])).status_code == 404
    other_case.refresh_from_db()
    assert other_case.checked and ReviewCase.objects.filter(pk=other_case.pk).exists()


def test_the_review_is_closed_until_the_facility_is_enrolled(client, registered):
    client.force_login(registered.member)
    assert b"not open yet" in client.get(reverse("casereview:review")).content
    assert client.post(reverse("casereview:review"), {"record_identifier": "X"}).status_code == 403
    assert not ReviewCase.objects.exists()


def test_after_submission_the_review_is_read_only(client, enrolled, application):
    case = ReviewCaseFactory(application=application, checked=False)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.SUBMITTED)
    client.force_login(enrolled.member)
    page = client.get(reverse("casereview:case", args=[case.pk])).content.decode()
    assert "read-only" in page and 'name="present_items"' not in page
    response = client.post(reverse("casereview:case", args=[case.pk]), case_data(case, 1), **HTMX)
    assert response.status_code == 422 and "can no longer be changed" in response.content.decode()
    assert add_case(client, record_identifier="LATE").status_code == 422
    assert client.post(reverse("casereview:delete_case", args=[case.pk])).status_code == 302
    case.refresh_from_db()
    assert not case.checked and ReviewCase.objects.count() == 1


# --- The review and the application ---------------------------------------------------------------


def q(application, number):
    return Question.objects.get(standard__question_set=application.question_set, number=number)


def test_questions_13_30_36_follow_the_review_and_ask_an_explanation_only_where_items_are_missing(client, enrolled, application):
    questions = [q(application, n) for n in (13, 30, 36)]
    answer_questions(application, questions, explanation="")
    client.force_login(enrolled.member)

    def pages():  # each question on its standard's page
        return "".join(client.get(reverse("applications:standard", args=[q.standard.number])).content.decode()
                       for q in questions)

    page = pages()
    assert page.count("0 of 30 cases complete.") == 3

    cases = complete_case_review(application)
    cases[4].present_items.remove(DatasetItem.objects.get(code="informed_consent"))
    page = pages()
    assert page.count("30 of 30 cases complete.") == 3
    assert "Some records lack items of 7(b)" in page
    assert 'id="q-13-state" class="badge ok"' in page and 'id="q-36-state" class="badge ok"' in page
    assert 'id="q-30-state" class="badge warn"' in page


def test_a_deactivated_item_is_no_longer_asked_for(client, enrolled, application):
    cases = complete_case_review(application)
    vital = DatasetItem.objects.get(code="vital_signs_monitored")
    for case in cases:
        case.present_items.remove(vital)
    assert services.review_state(application).missing_criteria == {"8(d)"}
    DatasetItem.objects.filter(pk=vital.pk).update(is_active=False)
    assert services.review_state(application).missing_criteria == frozenset()


def test_the_summary_counts_records_per_item_and_links_incomplete_cases(client, enrolled, application):
    cases = complete_case_review(application, count=3)
    cases[0].present_items.remove(DatasetItem.objects.get(code="laterality"))
    unchecked = ReviewCaseFactory(application=application, record_identifier="TODO-9", checked=False)
    client.force_login(enrolled.member)
    page = client.get(reverse("casereview:summary")).content.decode()
    assert "3 of 30 cases complete" in page and "26 cases are still to be entered." in page
    assert reverse("casereview:case", args=[unchecked.pk]) in page and "not yet checked against every item" in page
    assert "<td>Laterality</td><td class=\"num\">3 of 4</td>" in page
    assert "<td>Gender</td><td class=\"num\">4 of 4</td>" in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_summary_costs_the_same_queries_for_1_or_30_cases(client, enrolled, application, count, django_assert_num_queries):
    complete_case_review(application, count=count)
    client.force_login(enrolled.member)
    # session, user, membership, facility, application, programme, review, dataset items, cases, their checklists,
    # draws, and the navigation's unread messages and invoices tab
    with django_assert_num_queries(12):
        assert client.get(reverse("casereview:summary")).status_code == 200


def test_exports_list_every_case_as_csv_and_pdf(client, enrolled, application):
    complete_case_review(application, count=2)
    ReviewCaseFactory(application=application, record_identifier="=CMD()", checked=False)
    client.force_login(enrolled.member)
    csv_response = client.get(reverse("casereview:export_csv"))
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode().splitlines()
    assert len(lines) == 4 and lines[0].startswith("Case,Record identifier,Procedure date,Tumour type")
    assert lines[3].startswith("3,'=CMD(),")  # not run as a formula by a spreadsheet

    pdf = client.get(reverse("casereview:export_pdf"))
    data = body_of(pdf)  # the stored file, streamed
    assert pdf["Content-Type"] == "application/pdf" and data.startswith(b"%PDF")
    text = pdf_text(data)
    assert enrolled.facility.name in text and "=CMD()" in text and "2 of 30 cases complete" in text


def test_the_office_reads_the_case_review(client, application, office_user):
    ReviewCaseFactory(application=application, record_identifier="OFFICE-SEES", checked=False)
    client.force_login(office_user)
    assert reverse("office:case_review", args=[application.pk]) in client.get(reverse("office:application", args=[application.pk])).content.decode()
    page = client.get(reverse("office:case_review", args=[application.pk])).content.decode()
    assert "OFFICE-SEES" in page and "0 of 30 cases complete" in page and 'name="present_items"' not in page


def test_every_save_of_a_case_is_kept_and_the_office_reads_who_changed_it(client, enrolled, application, office_user):
    case = ReviewCaseFactory(application=application, checked=False, present_items=[])
    consent = list(DatasetItem.objects.filter(group__code="consent"))
    client.force_login(enrolled.member)
    client.post(reverse("casereview:case", args=[case.pk]), case_data(case, 1, consent[:1], checked=False), **HTMX)
    client.force_login(enrolled.deputy)
    client.post(reverse("casereview:case", args=[case.pk]), case_data(case, 2, consent), **HTMX)
    revisions = list(case.revisions.order_by("version"))
    assert [(r.version, r.checked, len(r.present_items), r.changed_by) for r in revisions] == [
        (2, False, 1, enrolled.member), (3, True, 2, enrolled.deputy)]
    client.force_login(office_user)
    page = client.get(reverse("office:case_review", args=[application.pk])).content.decode()
    assert "Saved versions of the cases" in page and str(enrolled.deputy) in page


def test_an_auditor_repeats_the_draw_months_later_and_the_portal_says_whether_list_and_cases_match(
    client, enrolled, application, office_user
):
    from assessment.models import Assignment
    from guardian.shortcuts import assign_perm

    from .factories import AssessorFactory

    # Drawn 120 days ago from procedures of the 12 months before then: by now the oldest are over a year old.
    drawn_on = TODAY - timedelta(days=120)
    text = "record_identifier,procedure_date,tumour_type\n" + "".join(
        f"OLD-{n:03d},{(drawn_on - timedelta(days=n * 4)).isoformat()},{('Liver', 'Kidney', 'Lung')[n % 3]}\n"
        for n in range(1, 81)
    )
    review = services.open_case_review(application)
    draw = services.draw_review_cases(review, enrolled.member, services.read_eligible_records(text, today=drawn_on)).record
    CaseDraw.objects.filter(pk=draw.pk).update(drawn_at=timezone.now() - timedelta(days=120))

    client.force_login(office_user)
    url = reverse("office:repeat_draw", args=[application.pk])
    assert f"seed {draw.seed}" in client.get(url).content.decode()
    same = client.post(url, {"draw": draw.pk, "records_file": upload(text)}).content.decode()
    assert "This is the list the cases were drawn from" in same and "gives exactly the cases recorded for this draw" in same
    shorter = "".join(text.splitlines(keepends=True)[:-1])
    other = client.post(url, {"draw": draw.pk, "records_file": upload(shorter)}).content.decode()
    assert "This is not the list the cases were drawn from" in other

    assessor = AssessorFactory()
    Assignment.objects.create(application=application, assessor=assessor, slot=1, assigned_by=office_user)
    assign_perm("applications.assess_application", assessor, application)
    client.force_login(assessor)
    other_seed = str(draw.seed + 1)
    response = client.post(reverse("assessment:repeat_draw", args=[application.pk]), {"draw": draw.pk, "records_text": text, "seed": other_seed})
    assert "gives other cases than those recorded for this draw" in response.content.decode()
    client.force_login(AssessorFactory())
    assert client.get(reverse("assessment:repeat_draw", args=[application.pk])).status_code == 404
