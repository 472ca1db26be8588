"""What the benchmarks share: a throwaway database, migrated afresh, the percentile they report, the machine.

Import after django.setup(); the scripts run as `python bench/<script>.py`, so this folder is on sys.path.
"""
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

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


def timed_gets(client, url, requests):
    """GET the URL ``requests`` times: (median ms, p95 ms, median ms of this process's own CPU time)."""
    times, cpu_times = [], []
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(url)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    return statistics.median(times) * 1000, percentile(times, 0.95) * 1000, statistics.median(cpu_times) * 1000


def load_average():
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores ({cpu}), {platform.python_implementation()} {platform.python_version()}, PostgreSQL " \
           f"{connection.cursor().connection.info.server_version}"
