import uuid

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def give_each_payment_a_token(apps, schema_editor):
    # One default would give every existing payment the same token; each needs its own.
    Payment = apps.get_model("invoicing", "Payment")
    for payment in Payment.objects.filter(submission_token__isnull=True).only("pk"):
        Payment.objects.filter(pk=payment.pk).update(submission_token=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ('invoicing', '0002_fees_for_io_and_srs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='payment',
            name='submission_token',
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_payment_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='payment',
            name='submission_token',
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.UniqueConstraint(models.F('invoice'), django.db.models.functions.text.Lower(django.db.models.functions.text.Trim('reference')), name='one_payment_per_bank_reference'),
        ),
    ]
