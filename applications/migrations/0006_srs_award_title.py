from django.db import migrations


def set_titles(apps, schema_editor):
    # SRS certification awards "Certified Centre"; the IO programme keeps the default.
    apps.get_model("applications", "Programme").objects.filter(code="srs").update(award_title="Certified Centre")


class Migration(migrations.Migration):
    dependencies = [("applications", "0005_award_title")]

    operations = [migrations.RunPython(set_titles, migrations.RunPython.noop)]
