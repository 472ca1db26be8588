from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .services import may_hold_token


class IsOffice(BasePermission):
    """The office's endpoints: office staff and the chairperson; the rows then come from visible_to."""

    message = _("The API is open to office staff only.")

    def has_permission(self, request, view):
        return may_hold_token(request.user)
