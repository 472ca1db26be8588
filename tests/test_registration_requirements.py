"""Each programme asks its own registration requirements (data the office edits), checked on the server.

IO: at least 150 therapeutic procedures a year and the head of department's approval. SRS: its platform, its
caseload, its physicist and physician, and its agreement to the site visit with the dosimetry audit. What a
facility declared is kept and shown to the office; a programme made in the admin needs no code.
"""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from applications.models import EnrolmentDeclaration, Programme, RegistrationRequirement
from facilities.models import AuditEntry, Facility

from .test_registration import activate, registration_data
from .factories import enrolment_of

pytestmark = pytest.mark.django_db

SRS_ANSWERS = {
    "srs_platform": "Linac with a 5 mm multileaf collimator",
    "srs_patients_per_year": "80",
    "srs_physicist": "Dr Ada Physik, MPE",
    "srs_physician": "Dr Bea Neuro, neurosurgery",
    "site_visit_and_dosimetry_audit": "on",
}


def facility_data(**overrides):
    """The facility and its people, without any programme's requirements."""
    data = registration_data(**overrides)
    for name in ("programme", "annual_procedures", "head_of_department_approval"):
        data.pop(name, None)
    return data


def register(client, code, data):
    return client.post(reverse("register_for_programme", args=[code]), data)


def field_errors(response, name):
    return response.context["requirements"].errors.get(name, [])


def test_the_choice_page_lists_the_open_programmes_with_what_each_requires(client):
    Programme.objects.filter(code="srs").update(is_open_for_registration=True)
    page = client.get(reverse("register_facility")).content.decode()
    assert "Accreditation of Interventional Oncology Services" in page
    assert "Certification of Intracranial Stereotactic Radiosurgery Centres" in page
    assert "Therapeutic IO procedures per year: at least 150" in page and "SRS treatment platform" in page
    assert reverse("register_for_programme", args=["srs"]) in page


def test_choosing_a_programme_leads_to_its_form_and_a_closed_one_is_not_found(client):
    srs = Programme.objects.get(code="srs")
    response = client.post(reverse("register_facility"), {"programme": srs.pk})
    assert response.status_code == 302 and response["Location"] == reverse("register_for_programme", args=["srs"])
    Programme.objects.filter(code="srs").update(is_open_for_registration=False)
    assert client.get(reverse("register_for_programme", args=["srs"])).status_code == 404
    assert client.get(reverse("register_for_programme", args=["nonesuch"])).status_code == 404


def test_the_srs_form_asks_srs_requirements_and_none_of_io_s(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        page = client.get(reverse("register_for_programme", args=["srs"])).content.decode()
    for label in ("SRS treatment platform", "Patients treated with intracranial SRS per year",
                  "Medical physicist responsible for SRS", "Lead SRS physician", "end-to-end dosimetry audit"):
        assert label in page
    assert "Department or service" in page
    for io_wording in ("IO service line", "therapeutic IO procedures", "Therapeutic IO procedures", "head of department"):
        assert io_wording not in page
    assert 'name="annual_procedures"' not in page


def test_the_io_form_asks_io_requirements(client):
    page = client.get(reverse("register_for_programme", args=["io"])).content.decode()
    assert 'name="annual_procedures"' in page and 'name="head_of_department_approval"' in page
    assert "At least 150 are required" in page
    assert 'name="srs_platform"' not in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"annual_procedures": "149"}, "annual_procedures", "requires at least 150 therapeutic IO procedures a year"),
    ({"head_of_department_approval": None}, "head_of_department_approval", "approval of your head of department"),
])
def test_io_registration_is_refused_when_a_requirement_is_unmet_and_nothing_is_saved(client, mailoutbox, overrides, field, message):
    data = {**facility_data(), "annual_procedures": "150", "head_of_department_approval": "on", **overrides}
    response = register(client, "io", {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field))
    assert message in response.content.decode()
    assert not Facility.objects.exists() and not EnrolmentDeclaration.objects.exists() and mailoutbox == []


def test_io_registration_at_the_minimum_is_accepted(client):
    response = register(client, "io", {**facility_data(), "annual_procedures": "150", "head_of_department_approval": "on"})
    assert response.status_code == 302
    facility = Facility.objects.get()
    assert enrolment_of(facility).programme.code == "io"
    declared = dict(facility.enrolment_declarations.values_list("code", "value"))
    assert declared == {"annual_procedures": 150, "head_of_department_approval": True}


@pytest.mark.parametrize("missing, message", [
    ("srs_platform", "Name the treatment platform"),
    ("srs_physicist", "Name the medical physicist"),
    ("site_visit_and_dosimetry_audit", "confirm that your centre will host them"),
])
def test_srs_registration_is_refused_when_a_requirement_is_unmet(client, mailoutbox, missing, message):
    answers = {name: value for name, value in SRS_ANSWERS.items() if name != missing}
    response = register(client, "srs", {**facility_data(), **answers})
    assert response.status_code == 200 and message in field_errors(response, missing)[0]
    assert not Facility.objects.exists() and mailoutbox == []


def test_srs_registration_under_its_caseload_is_refused_and_io_s_minimum_does_not_apply(client):
    response = register(client, "srs", {**facility_data(), **SRS_ANSWERS, "srs_patients_per_year": "9"})
    assert "at least 10 intracranial SRS patients a year" in field_errors(response, "srs_patients_per_year")[0]
    assert not Facility.objects.exists()
    # 80 patients is far under IO's 150 procedures: irrelevant to SRS.
    assert register(client, "srs", {**facility_data(), **SRS_ANSWERS}).status_code == 302


def test_srs_declarations_are_kept_in_the_audit_trail_and_shown_to_the_office_and_the_facility(client, office_user, mailoutbox):
    register(client, "srs", {**facility_data(name="Radiosurgery Unit"), **SRS_ANSWERS})
    facility = Facility.objects.get(name="Radiosurgery Unit")
    assert enrolment_of(facility).programme.code == "srs"
    declared = {d.code: d.value for d in facility.enrolment_declarations.all()}
    assert declared == {
        "srs_platform": "Linac with a 5 mm multileaf collimator", "srs_patients_per_year": 80,
        "srs_physicist": "Dr Ada Physik, MPE", "srs_physician": "Dr Bea Neuro, neurosurgery",
        "site_visit_and_dosimetry_audit": True,
    }
    entry = AuditEntry.objects.get(facility=facility, action="facility.declared")
    assert entry.summary_text() == "Registration requirements of SRS certification declared"
    assert entry.changes["SRS treatment platform"] == "Linac with a 5 mm multileaf collimator"

    client.force_login(office_user)
    page = client.get(reverse("office:facility", args=[facility.pk])).content.decode()
    assert "Declared at registration" in page
    assert "<td>Medical physicist responsible for SRS</td><td>Dr Ada Physik, MPE</td>" in page
    assert "<td>Patients treated with intracranial SRS per year</td><td>80</td>" in page
    assert "Registration requirements of SRS certification declared" in page

    # The facility reads what it declared on its profile.
    client.logout()
    activate(client, next(m for m in mailoutbox if m.to == ["rep@stelsewhere.example"]))
    page = client.get(reverse("facilities:profile")).content.decode()
    assert "<td>SRS treatment platform</td><td>Linac with a 5 mm multileaf collimator</td>" in page


def test_the_office_s_rewording_changes_the_form_and_keeps_the_wording_declared(client):
    register(client, "io", {**facility_data(), "annual_procedures": "200", "head_of_department_approval": "on"})
    requirement = RegistrationRequirement.objects.get(programme__code="io", code="annual_procedures")
    requirement.minimum = 250
    requirement.save()
    response = register(client, "io", {**facility_data(name="Second Unit"), "annual_procedures": "200",
                                       "head_of_department_approval": "on"})
    assert "at least 250 therapeutic IO procedures" in field_errors(response, "annual_procedures")[0]
    requirement.delete()
    kept = EnrolmentDeclaration.objects.get(code="annual_procedures")
    assert (kept.requirement, kept.shown_label, kept.value) == (None, "Therapeutic IO procedures per year", 200)


def test_the_old_one_page_registration_still_registers_with_the_programme_it_names(client):
    response = client.post(reverse("register_facility"), registration_data())
    assert response.status_code == 302 and response["Location"] == reverse("registered")
    assert Facility.objects.get().enrolment_declarations.count() == 2


def test_a_programme_made_in_the_admin_registers_with_its_own_requirement_and_no_code(client):
    tavi = Programme.objects.create(code="tavi", name="TAVI", full_name="Transcatheter Valve Centres",
                                    award_validity_years=3, is_open_for_registration=True)
    RegistrationRequirement.objects.create(
        programme=tavi, position=1, code="valve_implants", kind=RegistrationRequirement.Kind.MINIMUM, minimum=40,
        label="Valve implants per year", help_text="Counted over the last year.",
        unmet_message="Registration needs at least %(minimum)s valve implants a year.",
    )
    page = client.get(reverse("register_for_programme", args=["tavi"])).content.decode()
    assert "Valve implants per year" in page and "SRS" not in page and "IO procedures" not in page

    response = register(client, "tavi", {**facility_data(), "valve_implants": "39"})
    assert field_errors(response, "valve_implants") == ["Registration needs at least 40 valve implants a year."]
    assert register(client, "tavi", {**facility_data(), "valve_implants": "40"}).status_code == 302
    facility = Facility.objects.get()
    assert enrolment_of(facility).programme == tavi
    assert list(facility.enrolment_declarations.values_list("code", "value")) == [("valve_implants", 40)]


def test_a_requirement_code_may_not_take_a_registration_field_s_name():
    from django.core.exceptions import ValidationError

    requirement = RegistrationRequirement(
        programme=Programme.objects.get(code="srs"), position=9, code="name", kind="text", label="x", unmet_message="y",
    )
    with pytest.raises(ValidationError) as refused:
        requirement.full_clean()
    assert "code" in refused.value.message_dict
    requirement.code, requirement.kind = "caseload", RegistrationRequirement.Kind.MINIMUM
    with pytest.raises(ValidationError) as refused:
        requirement.full_clean()  # a number without its minimum
    assert "minimum" in refused.value.message_dict


def test_the_facility_profile_reads_neutrally(client, registered):
    client.force_login(registered.rep)
    page = client.get(reverse("facilities:profile")).content.decode()
    assert "Department or service" in page and "IO service line" not in page and "procedures per year" not in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_io_facilities_figures_into_their_declarations():
    executor = MigrationExecutor(connection)
    before = [("applications", "0014_load_award_tiers"), ("facilities", "0006_audit_entry_summary_args")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Old = old_apps.get_model("facilities", "Facility")
    programmes = dict(old_apps.get_model("applications", "Programme").objects.values_list("code", "pk"))
    common = {"institution": "H", "address": "1 Street", "city": "C", "country": "AT", "phone": "1", "service_line": "IR"}
    Old.objects.create(name="Vienna", code="AAAA-AAAA-AAA1", programme_id=programmes["io"], annual_procedures=240,
                       head_of_department_approval=True, **common)
    Old.objects.create(name="Graz", code="AAAA-AAAA-AAA2", programme_id=programmes["srs"], annual_procedures=0, **common)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    declared = {
        (d.facility.name, d.code): (d.value, d.requirement.programme.code)
        for d in EnrolmentDeclaration.objects.select_related("facility", "requirement__programme")
    }
    assert declared == {("Vienna", "annual_procedures"): (240, "io"), ("Vienna", "head_of_department_approval"): (True, "io")}
    assert RegistrationRequirement.objects.filter(programme__code="srs").count() == 5
    assert RegistrationRequirement.objects.get(programme__code="io", code="annual_procedures").label_de == (
        "Therapeutische IO-Eingriffe pro Jahr"
    )


def test_the_office_edits_a_programme_s_requirements_in_the_admin_in_every_language(client, office_user):
    office_user.is_staff = office_user.is_superuser = True
    office_user.save()
    client.force_login(office_user)
    io = Programme.objects.get(code="io")
    page = client.get(reverse("admin:applications_programme_change", args=[io.pk])).content.decode()
    assert "Therapeutische IO-Eingriffe pro Jahr" in page and 'name="registration_requirements-0-label_de"' in page


def test_every_shipped_requirement_has_its_german():
    for requirement in RegistrationRequirement.objects.filter(programme__code__in=["io", "srs"]):
        assert requirement.label_de and requirement.help_text_de and requirement.unmet_message_de, requirement
        assert ("%(minimum)s" in requirement.unmet_message_de) == ("%(minimum)s" in requirement.unmet_message_en)


def test_a_german_reader_is_told_the_requirement_in_german(client):
    response = client.post(reverse("register_for_programme", args=["io"]),
                           {**facility_data(), "annual_procedures": "20"}, HTTP_ACCEPT_LANGUAGE="de")
    page = response.content.decode()
    assert "mindestens 150 therapeutische IO-Eingriffe pro Jahr voraus" in page
    assert "Genehmigung Ihrer Abteilungsleitung" in page
