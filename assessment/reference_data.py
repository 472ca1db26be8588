"""Load matching's shipped reference data (assessment/data/matching.json and its German beside it).

Used by the data migration with historical models and by the tests after a flush; idempotent.
"""
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def read_matching_data(language=""):
    suffix = f".{language}" if language else ""
    return json.loads((DATA / f"matching{suffix}.json").read_text(encoding="utf-8"))


def load_matching_data(Programme, Expertise, RequiredExpertise):
    data, german = read_matching_data(), read_matching_data("de")
    expertise = {}
    for row in data["expertise"]:
        expertise[row["code"]], _created = Expertise.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "name_en": row["name"], "name_de": german["expertise"].get(row["code"])},
        )
    for code, rules in data["programmes"].items():
        programme = Programme.objects.filter(code=code).first()
        if programme is None:  # a database without the shipped programmes
            continue
        Programme.objects.filter(pk=programme.pk).update(fresh_assessors_after_decision=rules["fresh_assessors_after_decision"])
        for row in rules["required_expertise"]:
            label = row["needed_for"]
            RequiredExpertise.objects.update_or_create(
                programme=programme, expertise=expertise[row["expertise"]],
                defaults={"needed_for": label, "needed_for_en": label,
                          "needed_for_de": german["needed_for"].get(code, {}).get(row["expertise"])},
            )
