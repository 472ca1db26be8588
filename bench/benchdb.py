"""What the benchmarks share: a throwaway database, migrated afresh, and the percentile they report.

Import after django.setup(); the scripts run as `python bench/<script>.py`, so this folder is on sys.path.
"""
from django.conf import settings
from django.core.management import call_command
from django.db import connection


def recreate_database():
    name = settings.DATABASES["default"]["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    call_command("migrate", verbosity=0)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
