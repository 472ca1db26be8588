"""Every question set's text becomes its English column; the shipped versions get the text of the data files
beside their English ones (io_programme.de.json, ...). Versions the office made keep their English only, until
the office translates them."""
from django.conf import settings
from django.db import migrations
from django.db.models import F

from applications.question_bank import read_programme_file, translate_shipped_question_set

TRANSLATED = {
    "Programme": ("name", "full_name", "award_title"),
    "Standard": ("title", "summary", "section"),
    "Question": ("text", "explanation_prompt", "evidence_help"),
}


def fill(apps, schema_editor):
    models = {name: apps.get_model("applications", name) for name in TRANSLATED}
    for name, fields in TRANSLATED.items():
        columns = {f.name for f in models[name]._meta.get_fields()}
        # The new columns took the field's default (award_title's "Accredited Centre") in every language:
        # only the English column holds text, the others are empty until translated.
        models[name].objects.update(**{
            f"{field}_{code}": F(field) if code == settings.LANGUAGE_CODE else None
            for field in fields for code, _ in settings.LANGUAGES if f"{field}_{code}" in columns
        })
    for code in ("io", "srs"):
        translate_shipped_question_set(read_programme_file(code), models["Programme"], models["Standard"], models["Question"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0009_reference_text_languages")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
