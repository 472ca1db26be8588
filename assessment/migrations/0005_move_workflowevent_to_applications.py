# WorkflowEvent now belongs to applications (applications migration 0011), which keeps its table.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0004_workflow_event_summary_args'),
        ('applications', '0011_workflowevent'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='WorkflowEvent')]),
    ]
