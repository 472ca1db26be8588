"""Invoicing's reactions to the signals of the apps below it (facilities/signals.py, applications/signals.py),
which they send without importing us."""
from django.dispatch import receiver

from applications.signals import reaccreditation_started
from facilities.signals import enrolment_registered

from .services import issue_reaccreditation_invoices, issue_registration_invoices


@receiver(enrolment_registered, dispatch_uid="invoicing.registration_invoices")
def invoice_registration(sender, enrolment, **kwargs):
    """A registered enrolment is billed its enrolment fee (and this year's annual fee) in the registration's
    transaction."""
    issue_registration_invoices(enrolment)


@receiver(reaccreditation_started, dispatch_uid="invoicing.reaccreditation_invoices")
def invoice_reaccreditation(sender, application, user, **kwargs):
    """A centre that starts its re-accreditation is billed its programme's fee for the path it follows, in the start's
    transaction."""
    issue_reaccreditation_invoices(application, user)
