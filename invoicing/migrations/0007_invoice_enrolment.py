"""Each invoice bills one enrolment; the annual fee is once a year per enrolment."""
import django.db.models.deletion
from django.db import migrations, models


def point_at_enrolments(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Invoice = apps.get_model("invoicing", "Invoice")
    Enrolment = apps.get_model("facilities", "Enrolment")
    # Until now a facility had one programme, so its one enrolment is the one every invoice billed.
    for enrolment in Enrolment.objects.iterator():
        Invoice.objects.filter(facility_id=enrolment.facility_id).update(enrolment=enrolment)


class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0008_enrolments'),
        ('invoicing', '0006_assessment_paths'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='invoice',
            name='one_annual_invoice_per_year',
        ),
        migrations.AddField(
            model_name='invoice',
            name='enrolment',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='facilities.enrolment'),
        ),
        migrations.RunPython(point_at_enrolments, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='invoice',
            name='enrolment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='facilities.enrolment'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'annual'), ('replaces__isnull', True)), fields=('enrolment', 'fee_year'), name='one_annual_invoice_per_year'),
        ),
    ]
