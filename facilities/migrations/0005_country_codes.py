"""Facility.country becomes an ISO 3166-1 code (django-countries), named in each reader's language.

Names written before are read in any language of the portal (facilities.countries.country_code). A name that is
no country keeps its text at the end of the facility's address and its country is left empty, which the profile
form asks for at the next edit; the migration names each such facility.
"""
import importlib

import django_countries.fields
from django.db import migrations

from facilities.countries import country_code


def names_to_codes(apps, schema_editor):
    Facility = apps.get_model("facilities", "Facility")
    for facility in Facility.objects.exclude(country=""):
        code = country_code(facility.country)
        if not code:
            print(f"\n  Facility {facility.pk} ({facility.name}): country {facility.country!r} is not known; "
                  "kept in its address, country left empty.")
            facility.address = f"{facility.address.rstrip()}\n{facility.country}"
        facility.country = code
        facility.save(update_fields=["country", "address"])


def codes_to_names(apps, schema_editor):
    from django_countries import countries

    Facility = apps.get_model("facilities", "Facility")
    for facility in Facility.objects.exclude(country=""):
        facility.country = countries.name(facility.country) or facility.country
        facility.save(update_fields=["country"])


# The office's search now matches country codes exactly: migration 0003's trigram index on country serves nothing.
RunSQLOnPostgreSQL = importlib.import_module("facilities.migrations.0003_facility_search_indexes").RunSQLOnPostgreSQL


class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0004_user_language'),
    ]

    operations = [
        RunSQLOnPostgreSQL(
            'DROP INDEX IF EXISTS "facility_country_trgm"',
            'CREATE INDEX "facility_country_trgm" ON "facilities_facility" USING gin (UPPER("country") gin_trgm_ops)',
        ),
        migrations.RunPython(names_to_codes, codes_to_names),
        migrations.AlterField(
            model_name='facility',
            name='country',
            field=django_countries.fields.CountryField(max_length=2, verbose_name='country'),
        ),
    ]
