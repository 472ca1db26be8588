"""Tenant scoping for querysets: the one rule for which rows a user may fetch."""
from django.db import models
from django.db.models import Q

from .permissions import facility_id_of


class TenantQuerySet(models.QuerySet):
    """Rows that belong to one facility, reachable through ``facility_path``."""

    facility_path = "facility"

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_office:
            return self
        condition = Q(pk__in=[])
        facility_id = facility_id_of(user)
        if facility_id is not None:
            condition |= Q(**{self.facility_path: facility_id})
        return self.filter(condition)
