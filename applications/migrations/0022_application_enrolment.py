"""Each application belongs to the facility's enrolment in its programme."""
import django.db.models.deletion
from django.db import migrations, models


def point_at_enrolments(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Check the new keys now, so the column can be made NOT NULL in this same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Application = apps.get_model("applications", "Application")
    Enrolment = apps.get_model("facilities", "Enrolment")
    for application in Application.objects.select_related("question_set").iterator():
        enrolment, _created = Enrolment.objects.get_or_create(
            facility_id=application.facility_id, programme_id=application.question_set.programme_id,
            defaults={"status": "enrolled"},
        )
        Application.objects.filter(pk=application.pk).update(enrolment=enrolment)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0021_load_assessment_paths'),
        ('facilities', '0008_enrolments'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='enrolment',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='facilities.enrolment'),
        ),
        migrations.RunPython(point_at_enrolments, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='application',
            name='enrolment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='facilities.enrolment'),
        ),
    ]
