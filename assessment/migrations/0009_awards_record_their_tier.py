"""Awards granted before tiers existed get theirs: Centre of Excellence where the application sought it, the
programme's base award otherwise. Then every award must name its tier."""
import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Award, AwardTier = apps.get_model("assessment", "Award"), apps.get_model("applications", "AwardTier")
    for award in Award.objects.filter(tier__isnull=True).select_related("decision__application__question_set"):
        application = award.decision.application
        tiers = AwardTier.objects.filter(programme_id=application.question_set.programme_id).order_by("position", "pk")
        sought = tiers.filter(requires_extended_criteria=True) if application.seeks_excellence else tiers
        award.tier = sought.first() or tiers.first()
        award.save(update_fields=["tier"])


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0014_load_award_tiers"),
        ("assessment", "0008_award_tier_and_decision_reasons"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="award",
            name="tier",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="awards",
                                    to="applications.awardtier"),
        ),
    ]
