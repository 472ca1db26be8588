"""Assessor matching: profiles, conflicts of interest, proposals, "Assign all waiting", declining."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Programme
from assessment import matching, services
from assessment.models import AssessorProfile, Assignment, Decision, Declination, Expertise, Unavailability
from applications.workflow import Status
from facilities.models import AuditEntry, Enrolment, Facility

from .factories import AssessorFactory, FacilityFactory, enrolment_of
from .workflow_steps import assign, finish_round, give_verdicts, submitted_application

pytestmark = pytest.mark.django_db
IO_EXPERTISE = ("io-ablation", "io-embolisation")


def profiled(*, expertise=IO_EXPERTISE, country="DE", institution="", languages=("en",), capacity=3, **fields):
    """An assessor with a profile: by default German, speaking English, bringing what IO needs, free of conflicts."""
    assessor = AssessorFactory()
    profile = AssessorProfile.objects.create(assessor=assessor, country=country, institution=institution,
                                             languages=list(languages), capacity=capacity, **fields)
    profile.expertise.set(Expertise.objects.filter(code__in=expertise))
    return assessor


@pytest.fixture
def submitted(enrolled):
    return submitted_application(enrolled.facility)


def assign_page(client, application):
    return client.get(reverse("assessment:assign", args=[application.pk]))


def proposed_ids(page):
    return {a.id for a in page.context["proposed"]}


# Conflicts -----------------------------------------------------------------------------------------------

def test_conflicted_assessors_are_never_proposed_and_refused_with_the_reason_when_chosen(
    client, enrolled, submitted, office_user
):
    facility = enrolled.facility
    same_country = profiled(country="AT")
    same_institution = profiled(institution=f"  {facility.institution.upper()} ")
    declared_facility = profiled()
    declared_facility.assessor_profile.conflict_facilities.add(facility)
    declared_institution = profiled(conflict_institutions=f"Elsewhere\n{facility.institution}")
    declared_country = profiled(conflict_countries=["AT"])
    first, second = profiled(), profiled()
    conflicted = [same_country, same_institution, declared_facility, declared_institution, declared_country]

    client.force_login(office_user)
    page = assign_page(client, submitted)
    assert proposed_ids(page) == {first.pk, second.pk}
    rows = {row["assessor"].id: row for row in page.context["candidates"]}
    assert rows[same_country.pk]["conflicts"] == ["works in the facility's country (Austria)"]
    assert rows[same_institution.pk]["conflicts"] == ["works at the facility's institution"]
    assert rows[declared_facility.pk]["conflicts"] == ["declared a conflict of interest with this facility"]
    assert rows[declared_institution.pk]["conflicts"] == ["declared a conflict of interest with the facility's institution"]
    assert rows[declared_country.pk]["conflicts"] == ["declared a conflict of interest with Austria"]
    assert "works in the facility&#x27;s country (Austria)" in page.content.decode()

    response = client.post(reverse("assessment:assign", args=[submitted.pk]), {"first": same_country.pk, "second": first.pk})
    assert response.status_code == 200
    assert "cannot assess this application: works in the facility&#x27;s country (Austria)" in response.content.decode()
    for assessor in conflicted:
        with pytest.raises(ValidationError, match="cannot assess this application"):
            services.assign_assessors(submitted, [assessor, first], office_user)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and not Assignment.objects.exists()


def decided_before(facility, assessors, office):
    """A decided earlier application of ``facility`` assessed by ``assessors`` (rows written directly)."""
    earlier = Application.objects.create(facility=facility, question_set=enrolment_of(facility).programme.current_question_set(),
                                         status=Status.APPROVED)
    for slot, assessor in enumerate(assessors, start=1):
        Assignment.objects.create(application=earlier, assessor=assessor, slot=slot, assigned_by=office)
    Decision.objects.create(application=earlier, outcome=Decision.Outcome.APPROVED, decided_by=office,
                            decided_on=timezone.localdate())


def test_the_assessors_of_the_last_decision_are_conflicted_only_where_the_programme_asks_for_fresh_ones(enrolled, office_user):
    application = submitted_application(enrolled.facility)
    earlier_pair = [profiled(), profiled()]
    decided_before(enrolled.facility, earlier_pair, office_user)
    pool = matching.load_pool()
    case = matching.load_cases([Application.objects.get(pk=application.pk)])[0]
    reasons = [matching.conflicts(a, case) for a in pool if a.id in {p.pk for p in earlier_pair}]
    assert reasons == [["assessed the facility's last decision, and this programme asks for fresh assessors"]] * 2
    with pytest.raises(ValidationError, match="assessed the facility's last decision"):
        services.assign_assessors(application, earlier_pair, office_user)

    Programme.objects.filter(code="io").update(fresh_assessors_after_decision=False)
    case = matching.load_cases([Application.objects.get(pk=application.pk)])[0]
    assert not any(matching.conflicts(a, case) for a in matching.load_pool())
    services.assign_assessors(application, earlier_pair, office_user)


# Expertise, capacity, unavailability, language -------------------------------------------------------------

def test_the_proposed_pair_covers_the_expertise_the_programme_needs(client, submitted, office_user):
    for _ in range(2):
        profiled(expertise=["io-ablation"])
    embolisation_busy = profiled(expertise=["io-embolisation"], capacity=5)
    for _ in range(2):  # two open assignments make it the dearest of the three
        other = submitted_application(FacilityFactory(status=Enrolment.Status.ENROLLED))
        assign(other, embolisation_busy, profiled(expertise=[]))
    client.force_login(office_user)
    page = assign_page(client, submitted)
    assert embolisation_busy.pk in proposed_ids(page)
    reasons = dict(page.context["explained"])
    busy = next(a for a in reasons if a.id == embolisation_busy.pk)
    assert "Brings Embolisation (TACE, TARE), needed for: The review of embolisation procedures" in reasons[busy]
    assert "Workload: 2 of 5 applications before this one" in reasons[busy]

    embolisation_busy.assessor_profile.expertise.clear()
    page = assign_page(client, submitted)
    assert page.context["proposal"] is None
    assert "No available assessor brings: Embolisation (TACE, TARE)." in page.content.decode()


def test_an_srs_pair_brings_a_physicist_and_a_physician():
    physicist, physician = (Expertise.objects.get(code=code).pk for code in ("srs-physicist", "srs-physician"))
    case = matching.Case(id=1, facility_id=1, facility_name="SRS Centre", country="FR", programme_id=2, required=(
        matching.Required(physicist, "SRS medical physicist", "the site visit"),
        matching.Required(physician, "SRS physician", "the remote review"),
    ))
    physicists = [matching.Assessor(id=i, name=f"P{i}", expertise=frozenset({physicist})) for i in (1, 2)]
    doctor = matching.Assessor(id=3, name="D", expertise=frozenset({physician}), load=2)
    proposal = matching.best_pair(case, physicists + [doctor], {1: 0, 2: 0, 3: 2})
    assert {a.id for a in proposal.assessors} == {1, 3}


def test_capacity_and_unavailability_keep_an_assessor_out_of_proposals(client, submitted, office_user):
    full = profiled(capacity=1)
    assign(submitted_application(FacilityFactory(status=Enrolment.Status.ENROLLED)), full, profiled())
    away = profiled()
    today = timezone.localdate()
    Unavailability.objects.create(profile=away.assessor_profile, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=9))
    returned = profiled()
    Unavailability.objects.create(profile=returned.assessor_profile, starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=1))
    fresh = profiled()
    client.force_login(office_user)
    page = assign_page(client, submitted)
    rows = {row["assessor"].id: row for row in page.context["candidates"]}
    assert rows[full.pk]["unsuitable"] == ["at capacity (1 of 1)"]
    assert rows[away.pk]["unsuitable"] == [f"unavailable until {(today + timedelta(days=9)):%d.%m.%Y}"]
    assert proposed_ids(page) == {returned.pk, fresh.pk}


def test_a_shared_language_is_preferred():
    case = matching.Case(id=1, facility_id=1, facility_name="Wien", country="AT", languages=frozenset({"de"}))
    english = [matching.Assessor(id=i, name=f"E{i}", languages=frozenset({"en"})) for i in (1, 2)]
    german = [matching.Assessor(id=i, name=f"G{i}", languages=frozenset({"de", "en"}), load=1) for i in (3, 4)]
    proposal = matching.best_pair(case, english + german, {1: 0, 2: 0, 3: 1, 4: 1})
    assert {a.id for a in proposal.assessors} == {3, 4}
    assert "Speaks the staff's language (German)" in proposal.explained()[0][1]


# Assign all waiting --------------------------------------------------------------------------------------

def test_assign_all_is_optimal_where_greedy_is_not():
    """The first application would take the two English speakers; the second can have only them (the others are
    from its country). Greedy leaves it without a pair; the optimal plan assigns both."""
    first = matching.Case(id=1, facility_id=1, facility_name="Lyon", country="FR", languages=frozenset({"en"}))
    second = matching.Case(id=2, facility_id=2, facility_name="Berlin", country="DE", languages=frozenset({"en"}))
    pool = [matching.Assessor(id=1, name="A", country="IT", languages=frozenset({"en"}), capacity=1),
            matching.Assessor(id=2, name="B", country="IT", languages=frozenset({"en"}), capacity=1),
            matching.Assessor(id=3, name="C", country="DE", languages=frozenset({"de"}), capacity=1),
            matching.Assessor(id=4, name="D", country="DE", languages=frozenset({"de"}), capacity=1)]
    greedy = matching.propose_greedily([first, second], pool)
    optimal = matching.propose_all([first, second], pool)
    assert greedy.assigned == 1 and [case.id for case, _why in greedy.unassignable] == [2]
    assert optimal.assigned == 2 and not optimal.unassignable
    assert {p.case.id: {a.id for a in p.assessors} for p in optimal.proposals} == {1: {3, 4}, 2: {1, 2}}
    assert max(optimal.loads.values()) == 1


def test_assign_all_balances_load_at_a_lower_cost_than_greedy_and_respects_capacity():
    cases = [matching.Case(id=i, facility_id=i, facility_name=f"F{i}", country="FR") for i in range(1, 7)]
    pool = [matching.Assessor(id=i, name=f"A{i}", country="IT", capacity=cap, load=load)
            for i, cap, load in [(1, 6, 0), (2, 6, 0), (3, 3, 0), (4, 3, 0), (5, 2, 2)]]
    optimal = matching.propose_all(cases, pool)
    greedy = matching.propose_greedily(cases, pool)
    assert optimal.assigned == 6 and optimal.cost <= greedy.cost + 1e-9
    assert all(optimal.loads[a.id] <= a.capacity for a in pool) and optimal.loads[5] == 2
    assert all(len({a.id for a in p.assessors}) == 2 for p in optimal.proposals)


def test_assign_all_is_reviewed_then_confirmed_in_one_post_which_saves_and_emails(
    client, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    applications = [submitted_application(FacilityFactory(status=Enrolment.Status.ENROLLED)) for _ in range(3)]
    pool = [profiled() for _ in range(4)]
    stranded = submitted_application(FacilityFactory(status=Enrolment.Status.ENROLLED, country="DE"))
    client.force_login(office_user)
    review = client.get(reverse("assessment:assign_all"))
    assert review.status_code == 200
    values = [row["value"] for row in review.context["rows"]]
    assert len(values) == 3 and not Assignment.objects.exists()
    assert [case.id for case, _why in review.context["plan"].unassignable] == [stranded.pk]
    assert "Only 0 assessors are free of conflicts" in review.content.decode()
    assert sorted(load for _a, load in review.context["loads"]) == [1, 1, 2, 2]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:assign_all"), {"proposal": values})
    assert response.status_code == 302
    for application in applications:
        application.refresh_from_db()
        assert application.status == Status.UNDER_REVIEW and application.assignments.count() == 2
    assert {address for m in mailoutbox for address in m.to} >= {a.email for a in pool}
    assert AuditEntry.objects.filter(action="application.assign_assessors").count() == 3


def test_a_stale_plan_is_refused_whole_with_its_reasons(client, office_user):
    applications = [submitted_application(FacilityFactory(status=Enrolment.Status.ENROLLED)) for _ in range(2)]
    pool = [profiled() for _ in range(4)]
    client.force_login(office_user)
    values = [row["value"] for row in client.get(reverse("assessment:assign_all")).context["rows"]]
    assign(applications[0], profiled(), profiled())
    conflicted_id = int(next(v for v in values if v.startswith(f"{applications[1].pk}:")).split(":")[1])
    AssessorProfile.objects.filter(assessor_id=conflicted_id).update(country="AT")

    response = client.post(reverse("assessment:assign_all"), {"proposal": values})
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was saved" in page
    assert f"Application {applications[0].pk} no longer waits for assessors." in page
    assert "works in the facility&#x27;s country (Austria)" in page
    applications[1].refresh_from_db()
    assert applications[1].status == Status.SUBMITTED and not applications[1].assignments.exists()
    assert not Assignment.objects.filter(assessor__in=pool).exists()

    garbled = client.post(reverse("assessment:assign_all"), {"proposal": ["1:x"]})
    assert garbled.status_code == 200 and "The proposals could not be read" in garbled.content.decode()


# Declining -----------------------------------------------------------------------------------------------

def test_an_assessor_declines_with_a_reason_the_office_is_told_and_the_next_best_is_proposed(
    client, submitted, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = profiled(), profiled()
    assign(submitted, first, second)
    next_best, busier = profiled(), profiled()
    assign(submitted_application(FacilityFactory(status=Enrolment.Status.ENROLLED)), busier, profiled())
    client.force_login(first)
    assert "Decline" in client.get(reverse("assessment:queue")).content.decode()
    url = reverse("assessment:decline", args=[submitted.pk])
    assert client.get(url).status_code == 200
    blank = client.post(url, {"reason": "  "})
    assert blank.status_code == 200 and submitted.assignments.count() == 2
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "I reviewed their registry last year."})
    assert response.status_code == 302
    assert client.get(reverse("assessment:review", args=[submitted.pk])).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.UNDER_REVIEW and [a.assessor for a in submitted.assignments.all()] == [second]
    assert Declination.objects.get().reason == "I reviewed their registry last year."
    office_mail = next(m for m in mailoutbox if office_user.email in m.to)
    assert "An assessor declined" in office_mail.subject and "I reviewed their registry last year." in office_mail.body
    assert AuditEntry.objects.filter(action="assessment.declined", actor=first).exists()

    client.force_login(office_user)
    attention = client.get(reverse("office:attention")).content.decode()
    assert submitted.facility.name in attention.split("An assessor declined: assign a replacement")[1].split("</section>")[0]
    page = assign_page(client, submitted)
    assert page.context["replacing"] and proposed_ids(page) == {next_best.pk}
    rows = {row["assessor"].id: row for row in page.context["candidates"]}
    assert rows[first.pk]["conflicts"] == ["declined this application"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:assign", args=[submitted.pk]), {"assessor": next_best.pk})
    assert response.status_code == 302
    assert {a.assessor for a in submitted.assignments.all()} == {second, next_best}
    assert any(next_best.email in m.to and "You are assigned" in m.subject for m in mailoutbox)
    finish_round(submitted, [second, next_best])
    assert submitted.status == Status.RECOMMENDATION


def test_declining_after_a_verdict_is_refused(client, submitted):
    first, _second = assign(submitted)
    give_verdicts(submitted, first)
    client.force_login(first)
    response = client.post(reverse("assessment:decline", args=[submitted.pk]), {"reason": "Too busy."})
    assert response.status_code == 200 and "only before giving any verdict" in response.content.decode()
    assert submitted.assignments.count() == 2 and not Declination.objects.exists()


# The profile ---------------------------------------------------------------------------------------------

def test_an_assessor_keeps_their_own_profile_and_every_change_is_audited(client):
    assessor = AssessorFactory()
    client.force_login(assessor)
    assert "My assessor profile" in client.get(reverse("assessment:queue")).content.decode()
    page = client.get(reverse("assessment:profile"))
    assert page.status_code == 200 and "Tumour ablation" in page.content.decode()
    ablation = Expertise.objects.get(code="io-ablation")
    form = {
        "programmes": [Programme.objects.get(code="io").pk], "expertise": [ablation.pk], "languages": ["de", "en"],
        "country": "CH", "institution": "Kantonsspital", "capacity": "2", "conflict_institutions": "Uniklinik",
        "conflict_countries": ["AT"],
        "periods-TOTAL_FORMS": "2", "periods-INITIAL_FORMS": "0",
        "periods-0-starts_on": "2026-12-20", "periods-0-ends_on": "2027-01-06", "periods-0-note": "Holidays",
        "periods-1-starts_on": "", "periods-1-ends_on": "", "periods-1-note": "",
    }
    assert client.post(reverse("assessment:profile"), form).status_code == 302
    profile = AssessorProfile.objects.get(assessor=assessor)
    assert profile.capacity == 2 and profile.country == "CH" and list(profile.expertise.all()) == [ablation]
    assert [(u.starts_on.isoformat(), u.note) for u in profile.unavailability.all()] == [("2026-12-20", "Holidays")]
    entry = AuditEntry.objects.get(action="assessor.profile_changed")
    assert entry.actor == assessor and entry.changes["capacity"] == [None, 2]

    backwards = {**form, "periods-0-starts_on": "2027-02-01", "periods-0-ends_on": "2027-01-01"}
    response = client.post(reverse("assessment:profile"), backwards)
    assert response.status_code == 200 and "ends on or after the day it starts" in response.content.decode()
    assert AuditEntry.objects.filter(action="assessor.profile_changed").count() == 1

    client.post(reverse("assessment:profile"), {**form, "capacity": "4", "periods-INITIAL_FORMS": "1"})
    assert AuditEntry.objects.filter(action="assessor.profile_changed").first().changes == {"capacity": [2, 4]}


def test_the_office_reads_every_profile(client, office_user):
    profiled(capacity=4)
    client.force_login(office_user)
    page = client.get(reverse("assessment:assessors")).content.decode()
    assert "0 of 4" in page and "Tumour ablation" in page


# Queries -------------------------------------------------------------------------------------------------

def test_the_assignment_page_costs_the_same_queries_for_2_or_12_assessors(
    client, submitted, office_user, django_assert_max_num_queries, django_assert_num_queries
):
    for _ in range(2):
        profiled()
    client.force_login(office_user)
    with CaptureQueriesContext(connection) as small:
        assert assign_page(client, submitted).status_code == 200
    for _ in range(10):
        profiled()
    with django_assert_max_num_queries(30):
        assert assign_page(client, submitted).status_code == 200
    with django_assert_num_queries(len(small.captured_queries)):
        assign_page(client, submitted)


def test_the_office_is_refused_an_assessor_page_and_an_assessor_the_office_pages(client, submitted, office_user):
    assessor = AssessorFactory()
    client.force_login(office_user)
    assert client.get(reverse("assessment:profile")).status_code == 403
    client.force_login(assessor)
    for name in ("assessment:assign_all", "assessment:assessors"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("assessment:assign_all"), {"proposal": ["1:2:3"]}).status_code == 403


def test_the_office_edits_any_profile_in_the_admin_and_the_change_is_audited(client, office_user):
    assessor = profiled(capacity=3)
    profile = assessor.assessor_profile
    office_user.is_staff = office_user.is_superuser = True
    office_user.save()
    client.force_login(office_user)
    url = reverse("admin:assessment_assessorprofile_change", args=[profile.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "assessor": assessor.pk, "expertise": [e.pk for e in profile.expertise.all()], "languages": ["en"],
        "country": "DE", "institution": "", "conflict_institutions": "", "capacity": "5",
        "unavailability-TOTAL_FORMS": "1", "unavailability-INITIAL_FORMS": "0",
        "unavailability-0-starts_on": "2027-03-01", "unavailability-0-ends_on": "2027-03-14", "unavailability-0-note": "Congress",
    })
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="assessor.profile_changed")
    assert entry.actor == office_user
    assert entry.changes == {"capacity": [3, 5], "unavailability": ["", "2027-03-01..2027-03-14"]}

    expertise = Expertise.objects.get(code="srs-physicist")
    response = client.post(reverse("admin:assessment_expertise_change", args=[expertise.pk]),
                           {"code": "srs-physicist", "name_en": "SRS medical physicist (MPE)", "name_de": "SRS-Medizinphysiker/in",
                            "name_fr": ""})
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="matching.expertise_saved").changes["name_en"] == "SRS medical physicist (MPE)"


@pytest.mark.django_db(transaction=True)
def test_two_offices_confirming_the_same_plan_at_once_assign_it_once():
    import threading

    from django.db import connection as worker_connection

    from .factories import OfficeUserFactory

    applications = [submitted_application(FacilityFactory(status=Enrolment.Status.ENROLLED)) for _ in range(2)]
    for _ in range(4):
        profiled()
    plan = matching.propose_all(matching.load_cases(matching.waiting_applications()), matching.load_pool())
    triples = [(p.case.id, p.assessors[0].id, p.assessors[1].id) for p in plan.proposals]
    offices = [OfficeUserFactory(), OfficeUserFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(office):
        try:
            barrier.wait()
            services.confirm_proposals(triples, office)
            outcomes.append("assigned")
        except ValidationError:
            outcomes.append("refused")
        finally:
            worker_connection.close()

    threads = [threading.Thread(target=confirm, args=(office,)) for office in offices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["assigned", "refused"]
    assert Assignment.objects.count() == 4
    assert all(Application.objects.get(pk=a.pk).status == Status.UNDER_REVIEW for a in applications)


def test_the_shipped_expertise_and_what_each_programme_needs_have_their_german():
    from django.utils import translation

    from assessment.models import RequiredExpertise

    with translation.override("de"):
        assert Expertise.objects.get(code="srs-physicist").name == "SRS-Medizinphysiker/in"
        needs = {r.expertise.code: r.needed_for for r in RequiredExpertise.objects.filter(programme__code="srs")}
    assert needs == {"srs-physicist": "Der Vor-Ort-Besuch und das Dosimetrie-Audit",
                     "srs-physician": "Die ärztliche Fernprüfung"}
    assert Expertise.objects.filter(name_de__isnull=True).count() == 0
    assert Programme.objects.get(code="io").fresh_assessors_after_decision


def test_an_assessor_reads_the_facility_conflicts_the_office_recorded(client, enrolled):
    assessor = profiled()
    assessor.assessor_profile.conflict_facilities.add(enrolled.facility)
    client.force_login(assessor)
    page = client.get(reverse("assessment:profile")).content.decode()
    assert f"recorded a conflict of interest with: {enrolled.facility.name}." in page
