from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0008_enrolments'),
        ('applications', '0022_application_enrolment'),
        ('invoicing', '0007_invoice_enrolment'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='facility', name='facility_status_name_order'),
        migrations.RemoveIndex(model_name='facility', name='facility_status_created'),
        migrations.RemoveField(model_name='facility', name='award_expires_on'),
        migrations.RemoveField(model_name='facility', name='programme'),
        migrations.RemoveField(model_name='facility', name='status'),
        migrations.RemoveField(model_name='facility', name='status_changed_at'),
    ]
