"""Loading the minimum dataset from casereview/data/minimum_dataset.json (used by a data migration)."""
import json
from pathlib import Path

DATASET_FILE = Path(__file__).resolve().parent / "data" / "minimum_dataset.json"


def load_minimum_dataset(DatasetGroup, DatasetItem):
    """Create the groups and items the file lists; those already present are left as the office edited them."""
    data = json.loads(DATASET_FILE.read_text(encoding="utf-8"))
    for group_position, group_data in enumerate(data["groups"], start=1):
        group, _ = DatasetGroup.objects.get_or_create(
            code=group_data["code"],
            defaults={"title": group_data["title"], "criterion": group_data["criterion"], "position": group_position},
        )
        for item_position, item in enumerate(group_data["items"], start=1):
            DatasetItem.objects.get_or_create(
                code=item["code"],
                defaults={"group": group, "label": item["label"], "help_text": item["help"], "position": item_position},
            )
