"""What a new user reads: real choices only, messages in the domain's words, no sentence missing its value, names that fit."""
import inspect
import io
import math
import re
from datetime import date
from xml.etree import ElementTree

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accreditation.pdf import render_pdf
from applications import forms as application_forms
from applications.models import Answer, Application, AwardTier, Programme, Question
from assessment import forms as assessment_forms
from assessment.models import Award, Decision
from casereview.models import DatasetItem
from casereview import forms as case_review_forms
from correspondence import forms as correspondence_forms
from facilities import forms as facility_forms
from invoicing import forms as invoicing_forms

from .conftest import pdf_text
from .factories import AnswerFactory, FacilityFactory, ReviewCaseFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LONG_NAME = ("Universitätsklinikum für Interventionelle Radiologie und Minimal-Invasive Onkologische Therapie " * 3)[:200]


def portal_forms():
    modules = (application_forms, assessment_forms, case_review_forms, correspondence_forms, facility_forms, invoicing_forms)
    return {form for module in modules for _name, form in inspect.getmembers(module, inspect.isclass)
            if issubclass(form, forms.BaseForm) and form.__module__ == module.__name__}


def test_no_radio_list_offers_or_preselects_a_blank_choice_and_no_list_reads_dashes():
    radio_lists = [(form, name, field) for form in portal_forms() for name, field in form.base_fields.items()
                   if isinstance(field.widget, forms.RadioSelect)]
    assert {form.__name__ for form, _name, _field in radio_lists} >= {
        "AnswerForm", "VerdictForm", "RecommendationForm", "DecisionForm", "PlanReviewForm"}
    for form, name, field in radio_lists:
        assert "" not in [value for value, _label in field.choices], f"{form.__name__}.{name} offers a blank radio"
    for form in (assessment_forms.RecommendationForm(), assessment_forms.PlanReviewForm()):
        rendered = str(form["outcome"])
        assert "---------" not in rendered and "checked" not in rendered
    assessors = str(assessment_forms.AssignAssessorsForm(facility=FacilityFactory())["first"])
    assert "---------" not in assessors and "Choose an assessor" in assessors


def action_plan_post(**management):
    return {"actions-TOTAL_FORMS": "3", "actions-INITIAL_FORMS": "0", **management}


def test_a_plan_without_actions_is_refused_in_the_domains_words():
    empty = assessment_forms.CorrectiveActionFormSet(action_plan_post(), prefix="actions")
    assert not empty.is_valid()
    assert list(empty.non_form_errors()) == ["Add at least 1 action to the plan."]

    tampered = assessment_forms.CorrectiveActionFormSet({"actions-0-strategic_action": "Keep a register"}, prefix="actions")
    assert not tampered.is_valid()
    message = " ".join(tampered.non_form_errors())
    assert "ManagementForm" not in message and "bug report" not in message and "action" in message

    too_many = assessment_forms.CorrectiveActionFormSet(action_plan_post(**{"actions-TOTAL_FORMS": "1001"}), prefix="actions")
    assert not too_many.is_valid()
    assert "form" not in " ".join(too_many.non_form_errors())


def test_a_refused_autosave_says_not_saved_instead_of_the_last_save(client, enrolled, application):
    question = Question.objects.get(standard__question_set=application.question_set, number=1)
    AnswerFactory(application=application, question=question, updated_by=enrolled.member,
                  updated_at=timezone.now())
    client.force_login(enrolled.member)
    response = client.post(reverse("applications:answer", args=[question.pk]),
                           {"choice": "yes", "evidence": "Typed before the page broke"}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 422
    assert "Not saved" in text and "Last saved by" not in text
    assert "Reload it, then enter your change again." in text and "Hidden field" not in text
    assert "Typed before the page broke" in text


def test_no_sentence_ends_without_its_value_before_an_award(client, enrolled, application):
    client.force_login(enrolled.rep)
    text = client.get(reverse("applications:reaccreditation")).content.decode()
    assert "Your award runs until" not in text
    assert not re.search(r"\b(until|by|on|since)\s*\.", text)
    assert "holds no award yet" in text


def seal_lines(programme, tier):
    svg = ElementTree.fromstring(render_to_string("assessment/seal.svg", {"programme": programme, "tier": tier}))
    return svg.findall("{http://www.w3.org/2000/svg}text")


def width_inside_the_ring(y):
    """The seal's dashed ring has radius 84 around (100, 100)."""
    return 2 * math.sqrt(max(84 ** 2 - (y - 100) ** 2, 0))


@pytest.mark.parametrize("name, title", [("IO", "Accredited Centre"), ("X" * 100, ("Certified Centre of Excellence " * 4)[:100])])
def test_the_seals_texts_fit_inside_its_ring(name, title):
    programme = Programme(name=name, full_name=name)
    lines = seal_lines(programme, AwardTier(programme=programme, title=title))
    for line in lines:
        y, size, length = (float(line.get(attribute)) for attribute in ("y", "font-size", "textLength"))
        assert line.get("lengthAdjust") in ("spacing", "spacingAndGlyphs")
        # The rendered line is exactly textLength wide; its baseline and its capitals' top stay inside the ring.
        assert length <= min(width_inside_the_ring(y), width_inside_the_ring(y - 0.75 * size))
        assert size >= 7
    tick_top, tick_bottom = 66, 136
    above = [line for line in lines if float(line.get("y")) < tick_top]
    below = [line for line in lines if float(line.get("y")) - 0.75 * float(line.get("font-size")) > tick_bottom]
    assert len(above) + len(below) == len(lines)
    assert re.sub(r"\s", "", "".join(line.text for line in above)) == re.sub(r"\s", "", name.upper())
    assert re.sub(r"\s", "", "".join(line.text for line in below)) == re.sub(r"\s", "", title.upper())


def test_a_certificate_with_a_200_character_name_is_one_page_with_the_whole_name():
    facility = FacilityFactory(name=LONG_NAME, institution=LONG_NAME, city="Berlin", country="DE")
    programme = Programme.objects.get(code="io")
    award = Award(facility=facility, granted_on=date(2026, 1, 2), expires_on=date(2030, 1, 2),
                  tier=AwardTier.objects.get(programme=programme, code="accredited"),
                  decision=Decision(application=Application(seeks_excellence=False)))
    pdf = render_pdf("assessment/certificate.html", {"award": award, "facility": facility, "programme": programme})
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = "".join(pdf_text(pdf).split())
    assert "".join(LONG_NAME.split()) in text
    assert "2January2030." in text


def test_a_retried_save_whose_first_try_arrived_is_saved_not_a_conflict(client, enrolled, application):
    question = Question.objects.get(standard__question_set=application.question_set, number=2)
    client.force_login(enrolled.member)
    typed = {"choice": "yes", "evidence": "Our CPD register", "version": 0}
    assert client.post(reverse("applications:answer", args=[question.pk]), typed, **HTMX).status_code == 200
    # The answer to that save was lost on the way back: the page retries with the version it still holds.
    retry = client.post(reverse("applications:answer", args=[question.pk]), typed, **HTMX)
    assert retry.status_code == 200 and 'data-autosave="saved"' in retry.content.decode()
    answer = Answer.objects.get(application=application, question=question)
    assert answer.version == 1 and answer.revisions.count() == 1

    changed = client.post(reverse("applications:answer", args=[question.pk]), {**typed, "evidence": "Other text"}, **HTMX)
    assert changed.status_code == 409  # a different text on a stale version is still a conflict


def test_a_retried_case_save_whose_first_try_arrived_is_saved_not_a_conflict(client, enrolled, application):
    case = ReviewCaseFactory(application=application, tumour_type="Liver", checked=False, present_items=[])
    items = list(DatasetItem.objects.filter(is_active=True)[:2])
    client.force_login(enrolled.member)
    typed = {"record_identifier": case.record_identifier, "procedure_date": case.procedure_date.isoformat(),
             "tumour_type": "Kidney", "checked": "on", "present_items": [item.pk for item in items], "version": case.version}
    for _try in range(2):
        response = client.post(reverse("casereview:case", args=[case.pk]), typed, **HTMX)
        assert response.status_code == 200 and 'data-autosave="saved"' in response.content.decode()
    case.refresh_from_db()
    assert case.version == typed["version"] + 1 and case.tumour_type == "Kidney"
