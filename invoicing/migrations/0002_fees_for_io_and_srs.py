"""Ship the fees of the two programmes. The office changes them in the Django admin; issued invoices keep theirs."""
from decimal import Decimal

from django.db import migrations

FEES = {
    "io": {"enrolment_fee": Decimal("1500.00"), "annual_fee": Decimal("500.00")},
    "srs": {"enrolment_fee": Decimal("2500.00"), "annual_fee": Decimal("750.00")},
}


def add_fees(apps, schema_editor):
    Programme = apps.get_model("applications", "Programme")
    ProgrammeFees = apps.get_model("invoicing", "ProgrammeFees")
    for programme in Programme.objects.filter(code__in=FEES):
        ProgrammeFees.objects.get_or_create(
            programme=programme,
            defaults={"currency": "EUR", "tax_rate": Decimal("20.00"), "payment_terms_days": 30, **FEES[programme.code]},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0001_initial"),
        ("applications", "0003_load_io_and_srs_programmes"),
    ]

    operations = [migrations.RunPython(add_fees, migrations.RunPython.noop)]
