# The workflow's timeline moves from assessment to applications with the status it records (the Application
# owns its status); its table and rows stay where they are, only Django's idea of which app owns it changes.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATUSES = [
    ('draft', 'In preparation'), ('submitted', 'Submitted, awaiting assessors'), ('under_review', 'Under review'),
    ('clarification_requested', 'Clarification requested'), ('remote_audit_required', 'Remote audit to be scheduled'),
    ('remote_audit_scheduled', 'Remote audit scheduled'), ('recommendation', "Awaiting the assessors' recommendations"),
    ('awaiting_decision', "Awaiting the chairperson's decision"), ('approved', 'Approved'), ('deferred', 'Deferred'),
    ('denied', 'Denied'), ('plan_review', 'Corrective action plan under review'),
    ('plan_evidence_requested', "Evidence of the plan's implementation requested"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0010_fill_reference_text_languages'),
        ('assessment', '0004_workflow_event_summary_args'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WorkflowEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('transition', models.CharField(max_length=40)),
                        ('from_status', models.CharField(choices=STATUSES, max_length=30)),
                        ('to_status', models.CharField(choices=STATUSES, max_length=30)),
                        ('summary', models.CharField(max_length=300)),
                        ('summary_args', models.JSONField(blank=True, default=dict)),
                        ('details', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='workflow_events', to='applications.application')),
                    ],
                    options={
                        'db_table': 'assessment_workflowevent',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
            ],
        ),
    ]
