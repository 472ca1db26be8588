"""A facility's programme, status and award move to its enrolments, so one facility may hold several programmes.

This migration creates the enrolments and copies each facility's one programme into its first; 0009 removes the
facility's copies once applications and invoices point at their enrolment.
"""
import django.db.models.deletion
import django_fsm
from django.db import migrations, models


def copy_into_enrolments(apps, schema_editor):
    Facility = apps.get_model("facilities", "Facility")
    Enrolment = apps.get_model("facilities", "Enrolment")
    for facility in Facility.objects.iterator():
        enrolment = Enrolment.objects.create(
            facility_id=facility.pk, programme_id=facility.programme_id, status=facility.status,
            status_changed_at=facility.status_changed_at, award_expires_on=facility.award_expires_on,
        )
        # When it enrolled is when the facility registered (auto_now_add set it to now).
        Enrolment.objects.filter(pk=enrolment.pk).update(created_at=facility.created_at)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0021_load_assessment_paths'),
        ('facilities', '0007_registration_requirements_move_to_programmes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Enrolment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', django_fsm.FSMField(choices=[('registered', 'Registered'), ('enrolled', 'Enrolled centre'), ('accredited', 'Accredited centre'), ('excellence', 'Centre of excellence')], default='registered', max_length=50)),
                ('status_changed_at', models.DateTimeField(blank=True, null=True)),
                ('award_expires_on', models.DateField(blank=True, help_text='Set when an award is granted; reminders go out before it.', null=True, verbose_name='award expires on')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('facility', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='enrolments', to='facilities.facility', verbose_name='facility')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='applications.programme', verbose_name='programme')),
            ],
            options={
                'ordering': ['facility', 'created_at', 'pk'],
                'indexes': [
                    models.Index(fields=['status', 'award_expires_on'], name='enrolment_status_expiry'),
                    models.Index(fields=['status', 'created_at'], name='enrolment_status_created'),
                ],
                'constraints': [
                    models.UniqueConstraint(fields=('facility', 'programme'), name='one_enrolment_per_programme'),
                ],
            },
        ),
        migrations.RunPython(copy_into_enrolments, migrations.RunPython.noop),
    ]
