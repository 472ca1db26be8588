"""Loading a programme's question bank from its JSON file (applications/data/<code>_programme.json)."""
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_programme_file(code):
    return json.loads((DATA_DIR / f"{code}_programme.json").read_text(encoding="utf-8"))


def load_programme(data, Programme, QuestionSet, Standard, Question):
    """Create the programme (if new) and the question set version the file describes, as the current one."""
    defaults = {
        "name": data["name"],
        "full_name": data["full_name"],
        "award_validity_years": data["award_validity_years"],
        "award_title": data["award_title"],
        "has_case_review": data["has_case_review"],
        "assessment_steps": data["assessment_steps"],
    }
    # A data migration passes its historical model, which may not have every field yet.
    fields = {field.name for field in Programme._meta.get_fields()}
    programme, _ = Programme.objects.get_or_create(
        code=data["code"], defaults={name: value for name, value in defaults.items() if name in fields}
    )
    if QuestionSet.objects.filter(programme=programme, version=data["question_set_version"]).exists():
        return programme
    QuestionSet.objects.filter(programme=programme, is_current=True).update(is_current=False)
    question_set = QuestionSet.objects.create(
        programme=programme, version=data["question_set_version"], is_current=True, notes=data["notes"]
    )
    section_of = {number: section["title"] for section in data["sections"] for number in section["standards"]}
    for standard_data in data["standards"]:
        standard = Standard.objects.create(
            question_set=question_set,
            number=standard_data["number"],
            title=standard_data["title"],
            summary=standard_data["summary"],
            section=section_of.get(standard_data["number"], ""),
        )
        Question.objects.bulk_create(
            Question(
                standard=standard,
                number=q["number"],
                criterion=q["criterion"],
                is_core=q["core"],
                text=q["text"],
                explanation_prompt=q["explanation_prompt"],
                evidence_help=q["evidence_help"],
                is_case_review=q["case_review"],
            )
            for q in standard_data["questions"]
        )
    return programme


def copy_question_set(question_set):
    """A new, not yet current version of a question set, to edit without touching applications already begun."""
    from django.db import transaction
    from django.db.models import Max

    from .models import Programme, Question, QuestionSet, Standard

    with transaction.atomic():
        # Versions of one programme are numbered one at a time: two copies at once would take the same number.
        Programme.objects.select_for_update().get(pk=question_set.programme_id)
        latest = QuestionSet.objects.filter(programme=question_set.programme).aggregate(v=Max("version"))["v"]
        copy = QuestionSet.objects.create(
            programme=question_set.programme, version=latest + 1, is_current=False,
            notes=f"Copied from version {question_set.version}.\n\n{question_set.notes}",
        )
        for standard in question_set.standards.prefetch_related("questions"):
            questions = list(standard.questions.all())
            standard.pk, standard.question_set = None, copy
            standard.save()
            for question in questions:
                question.pk, question.standard = None, standard
            Question.objects.bulk_create(questions)
    return copy


def make_current(question_set):
    """New applications of the programme start on this version; those already begun keep theirs."""
    from django.db import transaction

    from .models import Programme, QuestionSet

    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=question_set.programme_id)  # one version becomes current at a time
        QuestionSet.objects.filter(programme=question_set.programme, is_current=True).update(is_current=False)
        QuestionSet.objects.filter(pk=question_set.pk).update(is_current=True)
