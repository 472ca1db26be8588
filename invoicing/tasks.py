"""Celery wrappers: each takes ids, loads fresh rows and calls a service."""
from celery import shared_task

from accreditation.pdf import rendering_task

from . import services
from .models import Invoice


@rendering_task
def render_invoice_pdf(invoice_id):
    return services.store_invoice_pdf(Invoice.objects.get(pk=invoice_id))


@shared_task
def issue_annual_fee_invoices():
    return [invoice.number for invoice in services.issue_annual_fee_invoices()]
