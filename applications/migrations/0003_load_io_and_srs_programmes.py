"""Ship the two programmes: IO accreditation (13 standards, 52 questions) and SRS certification.

Later versions of a question bank are new question sets (a new JSON version or the admin), never edits of this one.
"""
from django.db import migrations

from applications.question_bank import load_programme, read_programme_file


def load(apps, schema_editor):
    models = [apps.get_model("applications", name) for name in ("Programme", "QuestionSet", "Standard", "Question")]
    for code in ("io", "srs"):
        load_programme(read_programme_file(code), *models)


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
