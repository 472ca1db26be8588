from django import template

from ..models import EnrolmentDeclaration

register = template.Library()


@register.inclusion_tag("applications/_facility_declarations.html")
def facility_declarations(facility):
    """What the facility declared to its programme's registration requirements, on the facility's profile and the office's facility page."""
    declarations = EnrolmentDeclaration.objects.filter(facility=facility).select_related("requirement", "programme")
    return {"declarations": declarations}
