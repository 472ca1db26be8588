from facilities.permissions import facility_id_of

from .services import UNREAD_SHOWN, unread_total


def unread_messages(request):
    """Unread messages for the navigation, counted only when a page's navigation renders."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_office or facility_id_of(user) is not None):
        return {}
    return {"nav_unread_messages": lambda: unread_total(user), "unread_shown": UNREAD_SHOWN}
