"""The shipped expertise and what the IO and SRS programmes need of their assessors (assessment/data/matching*.json)."""
from django.db import migrations

from assessment.reference_data import load_matching_data


def load(apps, schema_editor):
    load_matching_data(apps.get_model("applications", "Programme"), apps.get_model("assessment", "Expertise"),
                       apps.get_model("assessment", "RequiredExpertise"))


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0011_assessor_matching"),
        ("applications", "0019_programme_fresh_assessors_after_decision"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
