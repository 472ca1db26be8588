"""Invoicing's reactions to facilities' signals (facilities/signals.py), which facilities sends without importing us."""
from django.dispatch import receiver

from facilities.signals import facility_registered

from .services import issue_registration_invoices


@receiver(facility_registered, dispatch_uid="invoicing.registration_invoices")
def invoice_registration(sender, facility, **kwargs):
    """A registered facility is billed its enrolment fee (and this year's annual fee) in the registration's transaction."""
    issue_registration_invoices(facility)
