"""Applications' reactions to facilities' signals (facilities/signals.py), which facilities sends without importing us."""
from django.dispatch import receiver

from facilities.signals import enrolment_enrolled

from .services import open_application


@receiver(enrolment_enrolled, dispatch_uid="applications.open_on_enrolment")
def open_application_on_enrolment(sender, enrolment, **kwargs):
    """An enrolled centre finds its application started on the programme's current question set."""
    open_application(enrolment)
