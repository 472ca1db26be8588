"""The shipped programmes' award tiers (IO: Accredited Centre and Centre of Excellence; SRS: Certified Centre) and
what must precede a deferral or denial (IO: two rounds and a remote audit), from their data files."""
from django.db import migrations

from applications.question_bank import DECISION_PATH, load_award_tiers, read_programme_file


def load(apps, schema_editor):
    Programme, AwardTier = apps.get_model("applications", "Programme"), apps.get_model("applications", "AwardTier")
    for code in ("io", "srs"):
        data = read_programme_file(code)
        Programme.objects.filter(code=code).update(**{field: data[field] for field in DECISION_PATH})
        load_award_tiers(data, Programme, AwardTier)


class Migration(migrations.Migration):
    dependencies = [("applications", "0013_award_tiers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
