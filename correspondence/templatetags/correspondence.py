from django import template

from ..models import FacilityDocument
from ..services import unread_counts

register = template.Library()


@register.inclusion_tag("correspondence/_office_facility_correspondence.html", takes_context=True)
def office_facility_correspondence(context, facility):
    """Messages and uploaded documents on the office's facility page."""
    user = context["request"].user
    return {
        "facility": facility,
        "unread": unread_counts(user, [facility.pk]).get(facility.pk, 0),
        "documents": FacilityDocument.objects.visible_to(user).filter(facility=facility).select_related("uploaded_by"),
    }
