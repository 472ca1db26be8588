from facilities.permissions import facility_id_of

from .services import unread_counts


def unread_messages(request):
    """Unread messages for the navigation, counted only when a page's navigation renders."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_office or facility_id_of(user) is not None):
        return {}
    return {"nav_unread_messages": lambda: sum(unread_counts(user).values())}
