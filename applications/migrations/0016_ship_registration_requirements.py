"""Each shipped programme gets the registration requirements of its data file; every IO facility registered before
keeps what it stated then (its yearly therapeutic procedures and the head of department's approval, until now
columns of the facility) as its declarations to IO's requirements."""
from django.db import migrations

from applications.question_bank import load_registration_requirements, read_programme_file

CARRIED_OVER = ("annual_procedures", "head_of_department_approval")


def ship_and_carry_over(apps, schema_editor):
    Programme = apps.get_model("applications", "Programme")
    Requirement = apps.get_model("applications", "RegistrationRequirement")
    Declaration = apps.get_model("applications", "EnrolmentDeclaration")
    Facility = apps.get_model("facilities", "Facility")
    for code in ("io", "srs"):
        load_registration_requirements(read_programme_file(code), Programme, Requirement)
    requirements = {r.code: r for r in Requirement.objects.filter(programme__code="io", code__in=CARRIED_OVER)}
    Declaration.objects.bulk_create(
        (
            Declaration(
                facility=facility, programme_id=facility.programme_id, requirement=requirement, code=code,
                label=requirement.label_en or requirement.label, value=getattr(facility, code),
            )
            for facility in Facility.objects.filter(programme__code="io").iterator()
            for code, requirement in requirements.items()
            if getattr(facility, code) is not None
        ),
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0015_registration_requirements"),
        ("facilities", "0007_registration_requirements_move_to_programmes"),
    ]

    operations = [migrations.RunPython(ship_and_carry_over, migrations.RunPython.noop)]
