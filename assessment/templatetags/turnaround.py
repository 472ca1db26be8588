"""An application's ages against its programme's turnaround targets, on the pages of that one application."""
from django import template

from assessment.turnaround import turnaround_of_application
from applications.workflow import Status

register = template.Library()


@register.inclusion_tag("assessment/_turnaround.html")
def turnaround_line(application):
    """Two queries (the ages, the targets); nothing for a draft, whose clocks have not started."""
    return {"turnaround": None if application.status == Status.DRAFT else turnaround_of_application(application)}
