"""Tenant scoping for querysets: the one rule for which rows a user may fetch."""
from django.db import models
from django.db.models import Q

from .permissions import facility_id_of


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
            from applications.permissions import assigned_application_ids

            condition |= Q(**{f"{self.assessor_path}__in": assigned_application_ids(user)})
        return self.filter(condition)
