"""Loading a programme's question bank from its JSON file (applications/data/<code>_programme.json).

Its translations sit beside it (<code>_programme.<language>.json), keyed by standard and question number.
"""
import json
from pathlib import Path

from django.conf import settings
from django.db.models import F

from accreditation.reference_data import fill_texts, localised_fields, read_translations

DATA_DIR = Path(__file__).resolve().parent / "data"
PROGRAMME_TEXTS = ("name", "full_name", "award_title")
DECISION_PATH = {"rounds_before_adverse_decision": 0, "remote_audit_before_adverse_decision": False}
STANDARD_TEXTS = ("title", "summary")
QUESTION_TEXTS = ("text", "explanation_prompt", "evidence_help")
REQUIREMENT_TEXTS = ("label", "help_text", "unmet_message")


def read_programme_file(code):
    """The programme's English file, with the translations beside it under "translations"."""
    file = DATA_DIR / f"{code}_programme.json"
    return {**json.loads(file.read_text(encoding="utf-8")), "translations": read_translations(file)}


def texts_of(english, translated, fields):
    """{field: {language: text}} for one row: its English, and each translation's text (None where it has none)."""
    return {
        field: {settings.LANGUAGE_CODE: english[field], **{code: row.get(field) for code, row in translated.items()}}
        for field in fields
    }


def rows_of(data):
    """The programme's translated texts, row by row: ("programme", None), ("standard", n), ("question", n)."""
    translations = data.get("translations", {})
    yield ("programme", None), texts_of(data, translations, PROGRAMME_TEXTS)
    sections = {number: section for section in data["sections"] for number in section["standards"]}
    for standard in data["standards"]:
        number = standard["number"]
        texts = texts_of(standard, {code: t["standards"].get(str(number), {}) for code, t in translations.items()},
                         STANDARD_TEXTS)
        section = sections.get(number)
        section_number = str(section["number"]) if section else None
        texts["section"] = {
            settings.LANGUAGE_CODE: section["title"] if section else "",
            **{code: t["sections"].get(section_number) for code, t in translations.items()},
        }
        yield ("standard", number), texts
        for question in standard["questions"]:
            yield ("question", question["number"]), texts_of(
                question, {code: t["questions"].get(str(question["number"]), {}) for code, t in translations.items()},
                QUESTION_TEXTS,
            )


def load_programme(data, Programme, QuestionSet, Standard, Question):
    """Create the programme (if new) and the question set version the file describes, as the current one."""
    texts = dict(rows_of(data))
    defaults = {
        "award_validity_years": data["award_validity_years"],
        "has_case_review": data["has_case_review"],
        # A programme file that says nothing of it sets no steps before a deferral or denial.
        **{field: data.get(field, default) for field, default in DECISION_PATH.items()},
        **localised_fields(Programme, texts["programme", None]),
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
    for standard_data in data["standards"]:
        standard = Standard.objects.create(
            question_set=question_set,
            number=standard_data["number"],
            **localised_fields(Standard, texts["standard", standard_data["number"]]),
        )
        Question.objects.bulk_create(
            Question(
                standard=standard,
                number=q["number"],
                criterion=q["criterion"],
                is_core=q["core"],
                is_case_review=q["case_review"],
                **localised_fields(Question, texts["question", q["number"]]),
            )
            for q in standard_data["questions"]
        )
    return programme


TIER_TEXTS = ("title", "certificate_text")
TIER_SETTINGS = ("validity_years", "requires_extended_criteria", "requires_full_prior_period")


def tier_texts(data):
    """{tier code: {field: {language: text}}} of the programme file's award tiers."""
    translations = data.get("translations", {})
    return {
        tier["code"]: texts_of(tier, {code: t["award_tiers"].get(tier["code"], {}) for code, t in translations.items()},
                               TIER_TEXTS)
        for tier in data["award_tiers"]
    }


def load_award_tiers(data, Programme, AwardTier):
    """The programme's award tiers from its file, in every language; a tier the office already has stays as it is."""
    programme = Programme.objects.filter(code=data["code"]).first()
    if programme is None:
        return
    texts = tier_texts(data)
    for position, tier in enumerate(data["award_tiers"]):
        AwardTier.objects.get_or_create(programme=programme, code=tier["code"], defaults={
            "position": position, **{field: tier[field] for field in TIER_SETTINGS},
            **localised_fields(AwardTier, texts[tier["code"]]),
        })


def translate_shipped_award_tiers(data, AwardTier):
    """Give the shipped tiers the text of a language they have none in yet (one added later); the office's stays."""
    texts = tier_texts(data)
    for tier in AwardTier.objects.filter(programme__code=data["code"], code__in=texts):
        fill_texts(tier, texts[tier.code])


def load_registration_requirements(data, Programme, RegistrationRequirement):
    """Give the programme the registration requirements its file lists, in every language, unless it has some.

    Once a programme has requirements they are the office's: a later migration never overwrites them.
    """
    programme = Programme.objects.filter(code=data["code"]).first()
    if programme is None or RegistrationRequirement.objects.filter(programme=programme).exists():
        return
    translations = {code: t.get("registration_requirements", {}) for code, t in data.get("translations", {}).items()}
    RegistrationRequirement.objects.bulk_create(
        RegistrationRequirement(
            programme=programme, position=position, code=requirement["code"], kind=requirement["kind"],
            minimum=requirement.get("minimum"),
            **localised_fields(RegistrationRequirement, texts_of(
                requirement, {code: t.get(requirement["code"], {}) for code, t in translations.items()}, REQUIREMENT_TEXTS,
            )),
        )
        for position, requirement in enumerate(data.get("registration_requirements", []), start=1)
    )


def load_pathway(data, Programme, Pathway, PathwayStep, FindingArea):
    """Create the pathway version the file describes, as the programme's current one, unless it exists.

    Step titles and finding areas are translated from the language files' "pathway" (keyed by step position and
    area number). A data migration passes its historical models.
    """
    pathway_data, translations = data["pathway"], data.get("translations", {})
    programme = Programme.objects.get(code=data["code"])
    if Pathway.objects.filter(programme=programme, version=pathway_data["version"]).exists():
        return
    Pathway.objects.filter(programme=programme, is_current=True).update(is_current=False)
    pathway = Pathway.objects.create(
        programme=programme, version=pathway_data["version"], is_current=True,
        review_rounds=pathway_data["review_rounds"], notes=pathway_data["notes"],
        dose_tolerance_percent=pathway_data["dose_tolerance_percent"],
        position_tolerance_mm=pathway_data["position_tolerance_mm"],
    )
    has_paths = _has_paths(PathwayStep)
    position = 0
    for file_position, step_data in enumerate(pathway_data["steps"], start=1):
        # Before steps had paths (an older migration's models), a pathway was its full path.
        if has_paths or step_data.get("path", "") != "streamlined":
            position += 1
            _create_step(pathway, position, file_position, step_data, translations, PathwayStep, FindingArea)


def _has_paths(PathwayStep):
    return any(field.name == "path" for field in PathwayStep._meta.get_fields())


def _create_step(pathway, position, file_position, step_data, translations, PathwayStep, FindingArea):
    """A step of the file (translations keyed by its position there) at ``position`` of the pathway."""
    translated = {code: t.get("pathway", {}).get("steps", {}).get(str(file_position), {}) for code, t in translations.items()}
    paths = {"path": step_data.get("path", "")} if _has_paths(PathwayStep) else {}
    step = PathwayStep.objects.create(
        pathway=pathway, position=position, kind=step_data["kind"], is_required=step_data["required"],
        condition=step_data["condition"], **paths, **localised_fields(PathwayStep, texts_of(step_data, translated, ["title"])),
    )
    for number, name in enumerate(step_data.get("areas", []), start=1):
        names = {settings.LANGUAGE_CODE: name,
                 **{code: t.get("areas", {}).get(str(number)) for code, t in translated.items()}}
        FindingArea.objects.create(step=step, number=number, **localised_fields(FindingArea, {"name": names}))


def load_step_paths(data, Programme, Pathway, PathwayStep, FindingArea):
    """Bring the shipped pathway version the file describes, loaded before steps had paths, up to the file: its steps
    get their paths and positions, and the steps of the streamlined path only are added. Applications begun on it
    follow the full path, whose steps do not change. A pathway whose steps have paths already is left as it is."""
    pathway_data, translations = data["pathway"], data.get("translations", {})
    pathway = Pathway.objects.filter(programme__code=data["code"], version=pathway_data["version"]).first()
    if pathway is None or pathway.steps.exclude(path="").exists():
        return
    loaded = list(pathway.steps.order_by("position"))
    pathway.steps.update(position=F("position") + 1000)  # out of the way of the new positions
    for position, step_data in enumerate(pathway_data["steps"], start=1):
        if step_data.get("path", "") == "streamlined":
            _create_step(pathway, position, position, step_data, translations, PathwayStep, FindingArea)
            continue
        step = next(step for step in loaded if step.kind == step_data["kind"])
        loaded.remove(step)
        PathwayStep.objects.filter(pk=step.pk).update(position=position, path=step_data.get("path", ""))


def translate_shipped_question_set(data, Programme, Standard, Question):
    """Give the programme and the question set version the file describes its translations, where they have none.

    Rows are matched by standard and question number; what the office already wrote in a language stays. A
    version the office made since has its own English, which the file does not translate: the office does.
    """
    texts = dict(rows_of(data))
    programme = Programme.objects.filter(code=data["code"]).first()
    if programme is None:
        return
    fill_texts(programme, texts["programme", None])
    version = {"question_set__programme": programme, "question_set__version": data["question_set_version"]}
    for standard in Standard.objects.filter(**version):
        fill_texts(standard, texts.get(("standard", standard.number), {}))
    for question in Question.objects.filter(**{f"standard__{key}": value for key, value in version.items()}):
        fill_texts(question, texts.get(("question", question.number), {}))


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


def make_current(version):
    """New applications of the programme start on this version of its question set or pathway; those already begun
    keep theirs."""
    from django.db import transaction

    from .models import Programme

    versions = type(version).objects
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=version.programme_id)  # one version becomes current at a time
        versions.filter(programme=version.programme, is_current=True).update(is_current=False)
        versions.filter(pk=version.pk).update(is_current=True)


def copy_pathway(pathway):
    """A new, not yet current version of a pathway, to edit without changing the steps of applications begun."""
    from django.db import transaction
    from django.db.models import Max

    from .models import FindingArea, Pathway, PathwayStep, Programme

    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=pathway.programme_id)  # versions are numbered one at a time
        latest = Pathway.objects.filter(programme=pathway.programme).aggregate(v=Max("version"))["v"]
        steps = list(pathway.steps.prefetch_related("areas"))
        copy = Pathway.objects.get(pk=pathway.pk)
        copy.pk, copy.version, copy.is_current = None, latest + 1, False
        copy.notes = f"Copied from version {pathway.version}.\n\n{pathway.notes}"
        copy.save()
        for step in steps:
            areas = list(step.areas.all())
            step.pk, step.pathway = None, copy
            step.save()
            for area in areas:
                area.pk, area.step = None, step
            FindingArea.objects.bulk_create(areas)
    return copy
