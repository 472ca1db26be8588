from django.db import migrations
from django.db.models import F

from applications.question_bank import load_step_paths, read_programme_file


def load_shipped_paths(apps, schema_editor):
    """The shipped pathways' steps get their paths; SRS's gains its streamlined path's postal dosimetry audit."""
    names = ("Programme", "Pathway", "PathwayStep", "FindingArea")
    Programme, Pathway, PathwayStep, FindingArea = (apps.get_model("applications", name) for name in names)
    for code in ("io", "srs"):
        if Programme.objects.filter(code=code).exists():
            load_step_paths(read_programme_file(code), Programme, Pathway, PathwayStep, FindingArea)


def remove_streamlined_steps(apps, schema_editor):
    """Back to one step of each kind: the streamlined path's own steps go, the others close up in order."""
    Pathway, PathwayStep = (apps.get_model("applications", name) for name in ("Pathway", "PathwayStep"))
    PathwayStep.objects.filter(path="streamlined").delete()
    for pathway in Pathway.objects.all():
        steps = list(PathwayStep.objects.filter(pathway=pathway).order_by("position"))
        PathwayStep.objects.filter(pathway=pathway).update(position=F("position") + 1000)
        for position, step in enumerate(steps, start=1):
            PathwayStep.objects.filter(pk=step.pk).update(position=position)


class Migration(migrations.Migration):
    """Apart from the schema change, so that the steps' rows are written in a transaction of their own."""

    dependencies = [
        ('applications', '0020_assessment_paths'),
    ]

    operations = [
        migrations.RunPython(load_shipped_paths, remove_streamlined_steps),
    ]
