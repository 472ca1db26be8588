"""Tenant scoping for querysets: the one rule for which rows a user may fetch."""
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

from .permissions import facility_id_of

# Which applications an assessor may read is decided by the applications app (applications/permissions.py),
# which registers it here from its AppConfig.ready(): facilities sits below applications and does not import it.
_assessor_applications = None


def register_assessor_applications(function):
    """``function(user)`` answers a subquery of the ids of the applications an assessor may read."""
    global _assessor_applications
    _assessor_applications = function


class TenantQuerySet(models.QuerySet):
    """Rows that belong to one facility, reachable through ``facility_path``.

    ``assessor_path`` leads to the assessed application, for rows its assigned assessors may read.
    """

    facility_path = "facility"
    assessor_path = None

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_office:
            return self
        condition = Q(pk__in=[])
        facility_id = facility_id_of(user)
        if facility_id is not None:
            condition |= Q(**{self.facility_path: facility_id})
        if user.is_assessor and self.assessor_path:
            if _assessor_applications is None:
                raise ImproperlyConfigured("No app has registered which applications an assessor may read.")
            condition |= Q(**{f"{self.assessor_path}__in": _assessor_applications(user)})
        return self.filter(condition)
