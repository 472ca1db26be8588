"""Ship IO's and SRS's turnaround targets (assessment/data/turnaround_targets.json); the office edits them afterwards."""
from django.db import migrations

from assessment.turnaround import load_shipped_targets


def load(apps, schema_editor):
    load_shipped_targets(apps.get_model("applications", "Programme"), apps.get_model("assessment", "TurnaroundTarget"))


class Migration(migrations.Migration):
    dependencies = [("assessment", "0006_turnaround_targets")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
