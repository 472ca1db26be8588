"""The minimum dataset's text becomes its English column, and gets the text of the data files beside
minimum_dataset.json (minimum_dataset.de.json, ...) where the office has written none."""
from django.conf import settings
from django.db import migrations
from django.db.models import F

from casereview.dataset import translate_minimum_dataset


def fill(apps, schema_editor):
    DatasetGroup, DatasetItem = apps.get_model("casereview", "DatasetGroup"), apps.get_model("casereview", "DatasetItem")
    DatasetGroup.objects.update(**{f"title_{settings.LANGUAGE_CODE}": F("title")})
    DatasetItem.objects.update(**{f"{field}_{settings.LANGUAGE_CODE}": F(field) for field in ("label", "help_text")})
    translate_minimum_dataset(DatasetGroup, DatasetItem)


class Migration(migrations.Migration):
    dependencies = [("casereview", "0005_reference_text_languages")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
