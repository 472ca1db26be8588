"""Assessors reach an application only through a per-object permission (django-guardian) given at assignment."""
from guardian.shortcuts import get_objects_for_user

ASSESS = "applications.assess_application"


def assigned_application_ids(user):
    """A subquery of the applications this assessor is assigned to."""
    from applications.models import Application

    return get_objects_for_user(user, ASSESS, klass=Application, accept_global_perms=False).values("pk")


def is_assigned(user, application):
    return user.is_assessor and user.has_perm(ASSESS, application)
