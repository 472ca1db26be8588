"""Ship the minimum dataset: the CIRSE items of criterion 3(c), the consent items of 7(b), the safety items of 8(d).

The office edits or deactivates items in the admin afterwards; this migration never runs again.
"""
from django.db import migrations

from casereview.dataset import load_minimum_dataset


def load(apps, schema_editor):
    load_minimum_dataset(apps.get_model("casereview", "DatasetGroup"), apps.get_model("casereview", "DatasetItem"))


class Migration(migrations.Migration):
    dependencies = [("casereview", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
