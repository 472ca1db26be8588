"""The reference data the office edits (programmes, standards, questions, the minimum dataset) in each reader's
language, falling back visibly to English; and countries as codes named in the reader's language."""
import re
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from accreditation.pdf import render_pdf
from applications.models import Application, AwardTier, Programme, Question, Standard
from applications.question_bank import copy_question_set
from assessment.models import Award, Decision
from casereview.models import DatasetItem
from facilities.countries import country_code
from facilities.models import Enrolment, Facility, User
from invoicing.services import invoice_pdf_bytes, issue_registration_invoices

from .conftest import pdf_text
from .factories import FacilityFactory, enrolment_of
from .workflow_steps import assign, submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in the thread: later tests expect the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def speaks(user, language):
    User.objects.filter(pk=user.pk).update(language=language)


def io_question(application, number):
    return Question.objects.get(standard__question_set=application.question_set, number=number)


def test_the_german_application_page_shows_the_german_question_standard_and_evidence_help(client, enrolled, application):
    speaks(enrolled.member, "de")
    client.force_login(enrolled.member)
    page = client.get(reverse("applications:question", args=[36]), follow=True).content.decode()
    page += client.get(reverse("applications:standard", args=[1])).content.decode()
    assert "Hat die interne Fallprüfung gezeigt, dass vor jeder Sitzung die Identität geprüft" in page  # question 36
    assert "Qualifikation und Fortbildung des Personals" in page  # standard 1
    assert "Facharztdiplome, Prüfungszeugnisse oder Berechtigungsnachweise" in page  # evidence help of question 2
    assert "Did the internal case review show" not in page


def test_french_has_no_question_bank_so_the_assessor_reads_the_english_marked_as_english(client, enrolled):
    application = submitted_application(enrolled.facility)
    first, _second = assign(application)
    speaks(first, "fr")
    client.force_login(first)
    page = client.get(reverse("assessment:review", args=[application.pk])).content.decode()
    assert '<html lang="fr">' in page
    question = io_question(application, 36).text_en
    assert f'<p class="question-text" lang="en">{question}</p>' in page

    speaks(first, "de")
    page = client.get(reverse("assessment:review", args=[application.pk])).content.decode()
    assert f'<p class="question-text">{io_question(application, 36).text_de}</p>' in page


def test_the_french_application_page_shows_the_english_question_marked_as_english_and_says_why(
        client, enrolled, application):
    speaks(enrolled.member, "fr")
    client.force_login(enrolled.member)
    page = client.get(reverse("applications:question", args=[36]), follow=True).content.decode()
    question = io_question(application, 36)
    assert f'<p class="question-text" lang="en">{question.text_en}</p>' in page
    assert f'<span lang="en">{question.standard.title_en}</span>' in page
    assert "shown in English" in page or "en anglais" in page

    speaks(enrolled.member, "de")
    page = client.get(reverse("applications:question", args=[36]), follow=True).content.decode()
    assert f'<p class="question-text">{question.text_de}</p>' in page


def test_the_case_review_marks_english_items_on_a_french_page_and_not_on_a_german_one(client, enrolled, application):
    client.force_login(enrolled.member)
    speaks(enrolled.member, "fr")
    page = client.get(reverse("casereview:summary")).content.decode()
    assert '<td lang="en">Date of birth</td>' in page
    speaks(enrolled.member, "de")
    page = client.get(reverse("casereview:summary")).content.decode()
    assert "<td>Geburtsdatum</td>" in page and "Date of birth" not in page


def office_admin(user):
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_the_office_writes_german_in_the_admin_beside_the_english(client, office_user):
    copy = copy_question_set(Programme.objects.get(code="io").current_question_set())
    question = Question.objects.get(standard__question_set=copy, number=1)
    client.force_login(office_admin(office_user))
    form = client.get(reverse("admin:applications_question_change", args=[question.pk])).content.decode()
    assert 'name="text_en"' in form and 'name="text_de"' in form and 'name="evidence_help_de"' in form
    fields = {
        "standard": question.standard_id, "number": 1, "criterion": "1(a)", "is_core": "on",
        "text_en": "Is every clinician registered?", "text_de": "Sind alle Ärztinnen und Ärzte eingetragen?",
        "text_fr": "", "explanation_prompt_en": "", "explanation_prompt_de": "", "explanation_prompt_fr": "",
        "evidence_help_en": "Registration records.", "evidence_help_de": "Eintragungsnachweise.", "evidence_help_fr": "",
    }
    response = client.post(reverse("admin:applications_question_change", args=[question.pk]), fields)
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text_en, question.text_de, question.evidence_help_de) == (
        "Is every clinician registered?", "Sind alle Ärztinnen und Ärzte eingetragen?", "Eintragungsnachweise.")
    with translation.override("fr"):
        assert question.text == "Is every clinician registered?"  # French falls back to the English


def test_the_admin_shows_standards_programmes_and_the_dataset_in_every_language(client, office_user):
    from casereview.models import DatasetGroup

    copy = copy_question_set(Programme.objects.get(code="io").current_question_set())
    client.force_login(office_admin(office_user))
    pages = {
        "admin:applications_standard_change": Standard.objects.get(question_set=copy, number=1).pk,
        "admin:applications_programme_change": copy.programme_id,
        "admin:casereview_datasetgroup_change": DatasetGroup.objects.get(code="patient").pk,
    }
    for name, pk in pages.items():
        page = client.get(reverse(name, args=[pk])).content.decode()
        assert 'name="title_de"' in page or 'name="name_de"' in page, name
    assert "Angaben zur Person" in client.get(reverse(
        "admin:casereview_datasetgroup_change", args=[pages["admin:casereview_datasetgroup_change"]])).content.decode()


def test_a_copied_question_set_keeps_every_language_and_its_german_is_its_own():
    original = Programme.objects.get(code="io").current_question_set()
    copy = copy_question_set(original)
    copied = Question.objects.get(standard__question_set=copy, number=36)
    source = Question.objects.get(standard__question_set=original, number=36)
    assert (copied.text_en, copied.text_de, copied.evidence_help_de) == (source.text_en, source.text_de, source.evidence_help_de)
    assert Standard.objects.get(question_set=copy, number=1).title_de == "Qualifikation und Fortbildung des Personals"

    copied.text_de = "Neu formuliert für Version 2?"
    copied.save()
    source.refresh_from_db()
    assert source.text_de.startswith("Hat die interne Fallprüfung gezeigt")


def test_every_shipped_question_item_and_programme_has_its_german():
    with translation.override("de"):
        for question in Question.objects.filter(standard__question_set__is_current=True):
            assert question.text_de and question.evidence_help_de, question
            assert bool(question.explanation_prompt_de) == bool(question.explanation_prompt_en), question
        for item in DatasetItem.objects.all():
            assert item.label_de and item.help_text_de, item
        assert {p.award_title for p in Programme.objects.all()} == {"Akkreditiertes Zentrum", "Zertifiziertes Zentrum"}


def test_every_migrate_fills_a_language_s_shipped_text_where_a_row_has_none_and_keeps_the_office_s():
    """So a further language is its catalogue, its data files and the columns makemigrations adds: no code."""
    from django.core.management.sql import emit_post_migrate_signal

    current = Programme.objects.get(code="io").current_question_set()
    Question.objects.filter(standard__question_set=current, number=36).update(text_de=None)
    Question.objects.filter(standard__question_set=current, number=1).update(text_de="Vom Büro umformuliert?")
    DatasetItem.objects.filter(code="gender").update(label_de="")

    emit_post_migrate_signal(0, False, "default")

    assert io_question_text(current, 36).startswith("Hat die interne Fallprüfung gezeigt")
    assert io_question_text(current, 1) == "Vom Büro umformuliert?"
    assert DatasetItem.objects.get(code="gender").label_de == "Geschlecht"


def io_question_text(question_set, number):
    return Question.objects.get(standard__question_set=question_set, number=number).text_de


def test_a_german_facility_s_certificate_and_invoice_name_the_programme_in_german(registered):
    speaks(registered.rep, "de")
    facility = Facility.objects.get(pk=registered.facility.pk)
    programme = enrolment_of(facility).programme
    award = Award(facility=facility, granted_on=date(2026, 1, 2), expires_on=date(2030, 1, 2),
                  tier=AwardTier.objects.get(programme=programme, code="accredited"),
                  decision=Decision(application=Application(seeks_excellence=False)))
    context = {"award": award, "facility": facility, "programme": programme}
    certificate = " ".join(pdf_text(render_pdf("assessment/certificate.html", context, facility.document_language())).split())
    assert "Akkreditiertes Zentrum" in certificate and "Accredited Centre" not in certificate
    assert "Österreich" in certificate

    enrolment = issue_registration_invoices(enrolment_of(facility))[0]
    invoice = " ".join(pdf_text(invoice_pdf_bytes(enrolment)).split())
    assert "Akkreditierung interventionell-onkologischer Leistungen" in invoice
    assert "Österreich" in invoice and enrolment.bill_to_country == "Österreich"


# Countries ---------------------------------------------------------------------------------------------


def test_registration_offers_countries_by_name_in_the_reader_s_language(client):
    german = client.get(reverse("register_for_programme", args=["io"]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert re.search(r'<select name="country"[^>]*id="id_country"', german)
    assert '<option value="AT">Österreich</option>' in german
    english = client.get(reverse("register_for_programme", args=["io"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="AT">Austria</option>' in english


def test_a_country_that_is_no_country_is_refused_and_nothing_is_saved(client, registered):
    client.force_login(registered.rep)
    response = client.post(reverse("facilities:profile_edit"), {
        "name": "X", "institution": "Y", "service_line": "IR", "address": "1", "postal_code": "1", "city": "Graz",
        "country": "Austria", "phone": "+43 1 1",
    })
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Facility.objects.get(pk=registered.facility.pk).country == "AT"


def test_the_office_finds_facilities_by_the_country_s_name_in_its_language_or_in_english(client, office_user):
    FacilityFactory(name="Ljubljana Unit", country="SI")
    FacilityFactory(name="Vienna Unit", country="AT")
    client.force_login(office_user)
    for query, language in (("slowen", "de"), ("sloven", "de"), ("sloven", "en")):
        page = client.get(reverse("office:facilities"), {"q": query}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert "Ljubljana Unit" in page and "Vienna Unit" not in page, (query, language)
    speaks(office_user, "de")
    page = client.get(reverse("office:facilities")).content.decode()
    assert "<td>Slowenien</td>" in page and "<td>Österreich</td>" in page


def test_the_directory_lists_centres_by_country_as_the_reader_names_it(client):
    for name, country in (("Graz Centre", "AT"), ("Berlin Centre", "DE"), ("Zagreb Centre", "HR")):
        FacilityFactory(name=name, country=country, status=Enrolment.Status.ENROLLED)
    order = r"Berlin Centre.*Zagreb Centre.*Graz Centre"  # Deutschland, Kroatien, Österreich
    assert re.search(order, client.get(reverse("directory"), HTTP_ACCEPT_LANGUAGE="de").content.decode(), re.S)
    english = r"Graz Centre.*Zagreb Centre.*Berlin Centre"  # Austria, Croatia, Germany
    assert re.search(english, client.get(reverse("directory"), HTTP_ACCEPT_LANGUAGE="en").content.decode(), re.S)


@pytest.mark.django_db(False)
@pytest.mark.parametrize("written, code", [
    ("Austria", "AT"), ("Österreich", "AT"), ("  germany ", "DE"), ("Deutschland", "DE"), ("Schweiz", "CH"),
    ("UK", "GB"), ("Czech Republic", "CZ"), ("France", "FR"), ("fr", "FR"), ("Atlantis", ""),
])
def test_country_names_written_before_become_codes(written, code):
    assert country_code(written) == code


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_written_countries_into_codes_and_keeps_unknown_ones_in_the_address():
    executor = MigrationExecutor(connection)
    before, after = [("facilities", "0004_user_language")], [("facilities", "0005_country_codes")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Old = old_apps.get_model("facilities", "Facility")
    programme_id = old_apps.get_model("applications", "Programme").objects.get(code="io").pk
    common = {"institution": "H", "address": "1 Street", "city": "C", "phone": "1", "service_line": "IR",
              "annual_procedures": 200, "programme_id": programme_id}
    Old.objects.create(name="Vienna", country="Österreich", code="AAAA-AAAA-AAA1", **common)
    Old.objects.create(name="Lyon", country="France", code="AAAA-AAAA-AAA2", **common)
    Old.objects.create(name="Nowhere", country="Atlantis", code="AAAA-AAAA-AAA3", **common)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    try:
        countries = dict(Facility.objects.only("name", "country").values_list("name", "country"))
        assert countries == {"Vienna": "AT", "Lyon": "FR", "Nowhere": ""}
        assert Facility.objects.values_list("address", flat=True).get(name="Nowhere") == "1 Street\nAtlantis"
    finally:  # the later migrations back, for the tests after this one
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
