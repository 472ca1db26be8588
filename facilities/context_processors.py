from .permissions import facility_has_case_review, facility_id_of


def portal(request):
    """What the navigation needs: which areas the signed-in person has."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_staff": facility_id_of(user) is not None,
        "nav_case_review": facility_has_case_review(user),
        "nav_is_office": user.is_office,
        "nav_is_assessor": user.is_assessor,
    }
