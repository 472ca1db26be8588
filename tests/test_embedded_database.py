"""`make run`'s embedded default: SQLite that keeps concurrent saves, and no debug pages."""
import json
import os
import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory
from django.views.defaults import server_error

# Runs in a fresh interpreter with the settings `make run` gets (no DATABASE_URL, no DJANGO_DEBUG):
# several people save at the same moment, each save reading before it writes as the portal's saves do.
CONCURRENT_SAVES = """
import json, threading, time
import django
django.setup()
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

call_command("migrate", "sessions", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
SAVES = 4
barrier = threading.Barrier(SAVES)
errors = []

def save(number):
    try:
        barrier.wait()
        with transaction.atomic():
            Session.objects.count()
            time.sleep(0.2)
            Session.objects.create(session_key=f"save-{number}", session_data="x", expire_date=timezone.now())
    except Exception as error:
        errors.append(repr(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=save, args=(number,)) for number in range(SAVES)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
stylesheet = Client().get("/static/css/portal.css")
print(json.dumps({
    "saved": Session.objects.count(), "errors": errors, "journal_mode": journal_mode, "debug": settings.DEBUG,
    "stylesheet": [stylesheet.status_code, b"".join(stylesheet.streaming_content).decode()[:200]],
}))
"""


def run_embedded(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "DJANGO_DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="accreditation.settings", VAR_DIR=str(tmp_path / "var"),
               STATIC_ROOT=str(tmp_path / "staticfiles"))
    (tmp_path / "var").mkdir()
    finished = subprocess.run([sys.executable, "-c", CONCURRENT_SAVES], cwd=settings.BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_make_runs_sqlite_keeps_every_concurrent_save_and_serves_without_debug_pages(tmp_path):
    result = run_embedded(tmp_path)
    assert result["errors"] == [] and result["saved"] == 4  # none lost to "database is locked"
    assert result["journal_mode"] == "wal"
    assert result["debug"] is False
    status, stylesheet = result["stylesheet"]
    assert status == 200 and "{" in stylesheet  # static files still served without DEBUG


def test_a_server_error_shows_a_friendly_page_that_needs_no_context():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500 and "Something went wrong" in page and "Traceback" not in page


def test_an_unknown_address_shows_the_portals_not_found_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()
