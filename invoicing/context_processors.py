from facilities.models import Facility
from facilities.permissions import can_view_invoices, facility_id_of


def navigation(request):
    """Whether the navigation shows "Invoices": asked only when a page's navigation renders."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_office:
        return {}
    facility_id = facility_id_of(user)
    if facility_id is None:
        return {}

    def shows_invoices():
        roles = Facility.objects.only("authorised_representative", "deputy_representative", "main_account_holder")
        return can_view_invoices(user, roles.get(pk=facility_id))

    return {"nav_invoices": shows_invoices}
