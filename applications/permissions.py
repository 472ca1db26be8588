"""Assessors reach an application only through a per-object permission (django-guardian) given at assignment.

An assessor who also works for a facility never reaches that facility's application as its assessor,
even if a permission was granted by mistake: assessments are independent of the assessed.
"""
from guardian.shortcuts import get_objects_for_user

from facilities.permissions import facility_id_of

from .models import Application

ASSESS = "applications.assess_application"


def assigned_applications(user):
    """The applications this assessor is assigned to, never those of their own facility."""
    applications = get_objects_for_user(user, ASSESS, klass=Application, accept_global_perms=False)
    own_facility = facility_id_of(user)
    return applications.exclude(facility_id=own_facility) if own_facility is not None else applications


def assigned_application_ids(user):
    """A subquery of the applications this assessor is assigned to."""
    return assigned_applications(user).values("pk")


def is_assigned(user, application):
    return (user.is_assessor and facility_id_of(user) != application.facility_id
            and user.has_perm(ASSESS, application))
