"""E-mails of the assessment workflow, addressed by audience rather than by person."""
from django.conf import settings

from facilities.models import User
from facilities.services import send_portal_mail


def recipients(audience, application):
    if audience == "facility":
        return list(application.facility.memberships.values_list("user__email", flat=True))
    if audience == "assessors":
        return list(application.assignments.values_list("assessor__email", flat=True))
    if audience == "office":
        return [settings.OFFICE_EMAIL] + list(
            User.objects.filter(office_role=User.OfficeRole.ADMINISTRATOR).values_list("email", flat=True)
        )
    if audience == "chair":
        return list(User.objects.filter(office_role=User.OfficeRole.CHAIRPERSON).values_list("email", flat=True))
    raise ValueError(audience)


def notify(template, audiences, application, event=None, **context):
    """One e-mail per audience, so that a facility never sees the assessors' addresses or the reverse."""
    for audience in audiences:
        send_portal_mail(
            template,
            recipients(audience, application),
            {"application": application, "facility": application.facility, "event": event, "audience": audience,
             "portal_url": settings.PORTAL_URL, **context},
        )
