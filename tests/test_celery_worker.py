"""A real Celery worker, on the Redis the Makefile starts, renders invoices, certificates and case review exports
(retrying on failure) and sends reminders."""
import os
import time
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_retry
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accreditation.celery import app
from assessment.models import Award
from assessment.tasks import render_certificate_pdf
from casereview.models import CaseReviewExport
from correspondence.models import SentReminder
from correspondence.tasks import send_due_reminders
from invoicing.models import Invoice
from invoicing.tasks import render_invoice_pdf

from .conftest import pdf_text
from .factories import FacilityFactory, InvoiceFactory, ReviewCaseFactory
from .test_production_pdfs import award_of

# DB 5 keeps the test's queue and results away from anything else on this Redis.
BROKER = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/5"


def redis_answers():
    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def worker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    # Eager calls in earlier tests opened a producer pool for the default broker; drop it, as Celery does after a fork.
    app._after_fork()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield
    finally:
        app.conf.update(saved)
        app._after_fork()


@pytest.mark.celery_worker
@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on " + BROKER)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_an_invoice_pdf_and_sends_a_reminder(worker, mailoutbox):
    invoice = InvoiceFactory(facility=FacilityFactory(), issued_on=timezone.localdate() - timedelta(days=31))
    Invoice.objects.filter(pk=invoice.pk).update(pdf="")  # as if the queued rendering had not run yet

    render_invoice_pdf.delay(invoice.pk)
    send_due_reminders.delay()

    # The tasks' effects, not their return values: no result backend is needed.
    assert eventually(lambda: Invoice.objects.exclude(pdf="").filter(pk=invoice.pk).exists())
    assert eventually(lambda: SentReminder.objects.filter(target_id=str(invoice.pk)).exists())
    invoice.refresh_from_db()
    assert default_storage.open(invoice.pdf.name).read().startswith(b"%PDF-")
    assert len(mailoutbox) == 1 and invoice.number in mailoutbox[0].subject


@pytest.mark.celery_worker
@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on " + BROKER)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_a_certificate(worker, enrolled):
    award = award_of(enrolled.facility)

    render_certificate_pdf.delay(award.pk)

    assert eventually(lambda: Award.objects.exclude(certificate="").filter(pk=award.pk).exists())
    award.refresh_from_db()
    assert default_storage.open(award.certificate.name).read().startswith(b"%PDF-")


@pytest.mark.celery_worker
@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on " + BROKER)
@pytest.mark.django_db(transaction=True)
def test_the_case_review_export_is_rendered_by_the_worker_and_again_after_a_change(worker, client, enrolled, application):
    ReviewCaseFactory(application=application, record_identifier="WORKER-1")
    client.force_login(enrolled.member)
    url = reverse("casereview:export_pdf")

    def export_once_ready():
        """Ask, as the page says, until the download comes; the PDF's text."""
        first = client.get(url)
        assert first.status_code == 503 and "Your PDF export is being prepared" in first.content.decode()
        assert eventually(lambda: CaseReviewExport.objects.exclude(pdf="").exists())
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        return pdf_text(response)

    assert "WORKER-1" in export_once_ready()
    stored = CaseReviewExport.objects.get()
    assert "WORKER-1" in pdf_text(client.get(url))  # asked again unchanged: the same file, nothing rendered
    assert CaseReviewExport.objects.get() == stored

    ReviewCaseFactory(application=application, record_identifier="WORKER-2")
    text = export_once_ready()
    assert "WORKER-1" in text and "WORKER-2" in text
    assert CaseReviewExport.objects.get() != stored  # the earlier export went, with its file
    assert not default_storage.exists(stored.pdf.name)


@pytest.fixture
def quick_retries():
    """Retries a second apart instead of 20 s and more, so the test sees one come back through the broker."""
    saved = render_invoice_pdf.retry_backoff
    render_invoice_pdf.retry_backoff = 1
    yield
    render_invoice_pdf.retry_backoff = saved


@pytest.mark.celery_worker
@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on " + BROKER)
@pytest.mark.django_db(transaction=True)
def test_a_rendering_that_fails_on_the_worker_is_retried_and_stored_once_storage_is_back(
    worker, quick_retries, settings, tmp_path, registered
):
    invoice = InvoiceFactory(facility=registered.facility)
    Invoice.objects.filter(pk=invoice.pk).update(pdf="")
    working_media = settings.MEDIA_ROOT
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    settings.MEDIA_ROOT = blocked / "media"  # the bucket or disk is unavailable
    retries = []

    def storage_comes_back(request, reason, **kwargs):
        retries.append(reason)
        settings.MEDIA_ROOT = working_media

    task_retry.connect(storage_comes_back, sender=render_invoice_pdf, weak=False)
    try:
        render_invoice_pdf.delay(invoice.pk)
        assert eventually(lambda: Invoice.objects.exclude(pdf="").filter(pk=invoice.pk).exists())
    finally:
        task_retry.disconnect(storage_comes_back, sender=render_invoice_pdf)
    assert len(retries) == 1 and isinstance(retries[0].exc, OSError)
    invoice.refresh_from_db()
    assert default_storage.open(invoice.pdf.name).read().startswith(b"%PDF-")


def eventually(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.skipif(not redis_answers(), reason="Redis does not answer on " + BROKER)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_a_long_lists_export(worker, client, office_user, settings):
    from accreditation.models import Export

    from .test_office_lists import listed_facilities

    settings.EXPORT_ROWS_IN_REQUEST = 5
    listed_facilities(8)
    client.force_login(office_user)

    page = client.get("/office/exports/facilities.csv", follow=True)
    assert page.status_code == 200 and 'role="status"' in page.content.decode()
    export = Export.objects.get()
    assert eventually(lambda: Export.objects.filter(pk=export.pk, status=Export.Status.DONE).exists())
    assert "The file is ready: 8 rows." in client.get(export.get_absolute_url()).content.decode()
    rows = b"".join(client.get(reverse("office:export_download", args=[export.pk])).streaming_content)
    assert rows.startswith(b"\xef\xbb\xbfFacility,") and rows.count(b"Listed centre") == 8
