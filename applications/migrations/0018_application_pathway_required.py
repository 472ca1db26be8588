"""Every application follows a pathway (0011 gave those already started their programme's)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("applications", "0017_pathways")]

    operations = [
        migrations.AlterField(
            model_name="application",
            name="pathway",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="applications",
                                    to="applications.pathway"),
        ),
    ]
