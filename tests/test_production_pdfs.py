"""PDFs under production settings: styled with hashed static names, retried when they fail, never missing for good."""
import importlib
import io
from datetime import timedelta

import pytest
from celery.signals import task_retry
from django.core.files.storage import default_storage
from django.conf import settings as django_settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.models import AwardTier
from applications.services import open_application
from assessment.models import Award, Decision
from facilities.models import AuditEntry
from invoicing.models import Invoice
from invoicing.tasks import render_invoice_pdf

from .conftest import body_of, pdf_text
from .factories import InvoiceFactory, ReviewCaseFactory, enrolment_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def production_static_settings(tmp_path_factory):
    """accreditation.production's static files storage (hashed names from a manifest), collected as in the image."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_SECRET_KEY", "test-only")
        env.setenv("CACHE_URL", "redis://127.0.0.1:6379/0")  # required by production; nothing connects here
        production = importlib.import_module("accreditation.production")
    static_settings = {
        "STORAGES": {**django_settings.STORAGES, "staticfiles": production.STORAGES["staticfiles"]},
        "STATIC_ROOT": tmp_path_factory.mktemp("staticfiles"),
    }
    with override_settings(**static_settings):
        # The libraries' own files take most of the time to compress and no PDF links to them.
        call_command("collectstatic", interactive=False, verbosity=0,
                     ignore_patterns=["admin", "guardian", "django_htmx", "allauth"])
    return static_settings


@pytest.fixture
def production_static(settings, production_static_settings):
    for name, value in production_static_settings.items():
        setattr(settings, name, value)
    assert static("css/pdf.css") != "/static/css/pdf.css"  # the templates now link to the hashed name


@pytest.fixture
def broken_storage(settings, tmp_path):
    """Storage that cannot take files (its folder is a file), as when a bucket or disk is unavailable."""
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    settings.MEDIA_ROOT = blocked / "media"


def award_of(facility, decided_minutes_ago=0):
    application = open_application(enrolment_of(facility))
    decision = Decision.objects.create(application=application, outcome=Decision.Outcome.APPROVED,
                                       decided_by=facility.authorised_representative, decided_on=timezone.localdate())
    Decision.objects.filter(pk=decision.pk).update(created_at=timezone.now() - timedelta(minutes=decided_minutes_ago))
    today = timezone.localdate()
    return Award.objects.create(facility=facility, decision=decision, granted_on=today,
                                tier=AwardTier.objects.get(programme=enrolment_of(facility).programme, code="accredited"),
                                expires_on=today.replace(year=today.year + 4))


def issued_minutes_ago(invoice, minutes):
    Invoice.objects.filter(pk=invoice.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    return invoice


def test_the_case_review_export_is_styled_under_production_static_storage(production_static, client, enrolled, application):
    ReviewCaseFactory(application=application, record_identifier="STYLED-1")
    client.force_login(enrolled.member)
    text = pdf_text(client.get(reverse("casereview:export_pdf")))
    assert "STYLED-1" in text
    assert "1 / 1" in text  # the page counter in the margin exists only in the stylesheet


def test_invoices_and_certificates_render_styled_under_production_static_storage(production_static, enrolled):
    from assessment.services import render_certificate
    from invoicing.services import store_invoice_pdf

    invoice = InvoiceFactory(facility=enrolled.facility)
    footer = " ".join(pdf_text(default_storage.open(store_invoice_pdf(invoice)).read()).split())
    assert f"· {invoice.number}" in footer  # the page footer set by the invoice's style
    award = render_certificate(award_of(enrolled.facility))
    page = PdfReader(io.BytesIO(award.certificate.read())).pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape, from the certificate's style


@pytest.fixture
def failures_stay_in_the_task():
    """Eager tasks that, as on a worker, retry and end FAILURE instead of raising the first error to the caller."""
    conf = render_invoice_pdf.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    yield
    conf.task_eager_propagates = propagates


def test_a_failing_rendering_is_retried_with_growing_delays(broken_storage, failures_stay_in_the_task, registered):
    invoice = InvoiceFactory(facility=registered.facility)
    delays = []

    def note_retry(request, reason, **kwargs):
        delays.append(reason.when)

    task_retry.connect(note_retry, sender=render_invoice_pdf, weak=False)
    try:
        result = render_invoice_pdf.apply(args=[invoice.pk])
    finally:
        task_retry.disconnect(note_retry, sender=render_invoice_pdf)
    assert delays == [20, 40, 80, 160, 300]  # seconds before each new attempt
    assert result.state == "FAILURE" and isinstance(result.result, OSError)
    assert not Invoice.objects.get(pk=invoice.pk).pdf


def test_a_rendering_that_cannot_run_leaves_the_invoice_issued(
    broken_storage, registered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = InvoiceFactory(facility=registered.facility)
    assert Invoice.objects.filter(pk=invoice.pk, pdf="").exists()


def test_the_office_sees_missing_pdfs_after_the_retries_and_renders_them_again(client, office_user, enrolled):
    recent = InvoiceFactory(facility=enrolled.facility)
    stuck = issued_minutes_ago(InvoiceFactory(facility=enrolled.facility), 30)
    award = award_of(enrolled.facility, decided_minutes_ago=30)
    client.force_login(office_user)
    page = client.get(reverse("office:attention")).content.decode()
    assert f"Invoice {stuck.number}" in page and f"Invoice {recent.number}" not in page  # still within its retries
    assert reverse("assessment:render_certificate", args=[award.decision.application_id]) in page

    response = client.post(reverse("invoicing:render_invoice_pdf", args=[stuck.pk]), follow=True)
    assert f"The PDF of invoice {stuck.number} is stored." in response.content.decode()
    assert stuck.number in pdf_text(default_storage.open(Invoice.objects.get(pk=stuck.pk).pdf.name).read())
    client.post(reverse("assessment:render_certificate", args=[award.decision.application_id]))
    award.refresh_from_db()
    assert enrolled.facility.name in " ".join(pdf_text(award.certificate.read()).split())
    assert AuditEntry.objects.filter(action="pdf.rendered", actor=office_user).count() == 2

    page = client.get(reverse("office:attention")).content.decode()
    assert f"Invoice {stuck.number}" not in page and "render-certificate" not in page


def test_a_failed_rerun_says_so_and_keeps_the_item_listed(broken_storage, client, office_user, enrolled):
    stuck = issued_minutes_ago(InvoiceFactory(facility=enrolled.facility), 30)
    client.force_login(office_user)
    response = client.post(reverse("invoicing:render_invoice_pdf", args=[stuck.pk]), follow=True)
    page = response.content.decode()
    assert "could not be rendered" in page and f"Invoice {stuck.number}" in page


def test_only_the_office_renders_again(client, enrolled):
    invoice = InvoiceFactory(facility=enrolled.facility)
    award = award_of(enrolled.facility)
    client.force_login(enrolled.rep)
    assert client.post(reverse("invoicing:render_invoice_pdf", args=[invoice.pk])).status_code == 403
    assert client.post(reverse("assessment:render_certificate", args=[award.decision.application_id])).status_code == 403
    assert not Invoice.objects.get(pk=invoice.pk).pdf


def test_a_download_renders_a_missing_pdf_and_stores_it(client, enrolled):
    invoice = InvoiceFactory(facility=enrolled.facility)
    award_of(enrolled.facility)
    client.force_login(enrolled.rep)
    assert invoice.number in pdf_text(client.get(reverse("invoicing:invoice_pdf", args=[invoice.pk])))
    assert Invoice.objects.get(pk=invoice.pk).pdf
    assert enrolled.facility.name in " ".join(pdf_text(client.get(reverse("assessment:certificate"))).split())
    assert Award.objects.exclude(certificate="").count() == 1


def test_a_stored_pdf_that_storage_has_lost_is_rendered_again_on_download(client, enrolled):
    invoice = InvoiceFactory(facility=enrolled.facility)
    award = award_of(enrolled.facility)
    client.force_login(enrolled.rep)
    for document, field, url in ((invoice, "pdf", reverse("invoicing:invoice_pdf", args=[invoice.pk])),
                                 (award, "certificate", reverse("assessment:certificate"))):
        client.get(url)
        document.refresh_from_db()
        lost = getattr(document, field).name
        default_storage.delete(lost)
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
        document.refresh_from_db()
        assert getattr(document, field).name != lost and default_storage.exists(getattr(document, field).name)


def test_a_download_that_cannot_render_says_it_is_being_prepared(broken_storage, client, enrolled):
    invoice = InvoiceFactory(facility=enrolled.facility)
    award_of(enrolled.facility)
    client.force_login(enrolled.rep)
    for url in (reverse("invoicing:invoice_pdf", args=[invoice.pk]), reverse("assessment:certificate")):
        response = client.get(url)
        assert response.status_code == 503 and response["Retry-After"] == "60"
        assert "try again in a minute" in body_of(response).decode()


def test_a_stylesheet_that_cannot_be_loaded_fails_the_rendering_instead_of_an_unstyled_pdf(
    settings, tmp_path, client, enrolled, application
):
    from casereview.models import CaseReviewExport

    settings.STATICFILES_DIRS = []  # static files missing from the deployment
    settings.STATIC_ROOT = tmp_path / "empty"
    client.force_login(enrolled.member)
    response = client.get(reverse("casereview:export_pdf"))
    assert response.status_code == 503 and "Your PDF export is being prepared" in response.content.decode()
    assert not CaseReviewExport.objects.exclude(pdf="").exists()
