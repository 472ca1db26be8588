"""Loading the minimum dataset from casereview/data/minimum_dataset.json (used by data migrations).

Its translations sit beside it (minimum_dataset.<language>.json): group titles by group code, item labels and
help texts by item code.
"""
import json
from pathlib import Path

from django.conf import settings

from accreditation.reference_data import fill_texts, localised_fields, read_translations

DATASET_FILE = Path(__file__).resolve().parent / "data" / "minimum_dataset.json"


def dataset_texts():
    """The file's groups and items, each with {field: {language: text}} for its translated fields."""
    data = json.loads(DATASET_FILE.read_text(encoding="utf-8"))
    translations = read_translations(DATASET_FILE)
    english = settings.LANGUAGE_CODE
    for group in data["groups"]:
        group_texts = {"title": {english: group["title"], **{
            code: t["groups"].get(group["code"]) for code, t in translations.items()}}}
        items = []
        for item in group["items"]:
            translated = {code: t["items"].get(item["code"], {}) for code, t in translations.items()}
            items.append((item, {
                "label": {english: item["label"], **{code: t.get("label") for code, t in translated.items()}},
                "help_text": {english: item["help"], **{code: t.get("help") for code, t in translated.items()}},
            }))
        yield group, group_texts, items


def load_minimum_dataset(DatasetGroup, DatasetItem):
    """Create the groups and items the file lists; those already present are left as the office edited them."""
    for group_position, (group_data, group_texts, items) in enumerate(dataset_texts(), start=1):
        group, _ = DatasetGroup.objects.get_or_create(
            code=group_data["code"],
            defaults={"criterion": group_data["criterion"], "position": group_position,
                      **localised_fields(DatasetGroup, group_texts)},
        )
        for item_position, (item, item_texts) in enumerate(items, start=1):
            DatasetItem.objects.get_or_create(
                code=item["code"],
                defaults={"group": group, "position": item_position, **localised_fields(DatasetItem, item_texts)},
            )


def translate_minimum_dataset(DatasetGroup, DatasetItem):
    """Give the groups and items the file's translations, where they have none yet (the office's text stays)."""
    groups = DatasetGroup.objects.in_bulk(field_name="code")
    items = DatasetItem.objects.in_bulk(field_name="code")
    for group_data, group_texts, item_rows in dataset_texts():
        if group_data["code"] in groups:
            fill_texts(groups[group_data["code"]], group_texts)
        for item, item_texts in item_rows:
            if item["code"] in items:
                fill_texts(items[item["code"]], item_texts)
