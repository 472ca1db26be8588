"""Applications' reactions to facilities' signals (facilities/signals.py), which facilities sends without importing us."""
from django.dispatch import receiver

from facilities.signals import facility_enrolled

from .services import open_application


@receiver(facility_enrolled, dispatch_uid="applications.open_on_enrolment")
def open_application_on_enrolment(sender, facility, **kwargs):
    """An enrolled centre finds its application started on the programme's current question set."""
    open_application(facility)
