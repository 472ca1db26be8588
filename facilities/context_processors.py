from .access import enrolment_prefix, enrolment_reverse
from .permissions import enrolments_in_navigation, facility_id_of


def enrolment_links(request, enrolments):
    """The navigation's links to each enrolment's pages, marked when the request is for one of them."""
    links = []
    for position, enrolment in enumerate(enrolments):
        prefix = enrolment_prefix(enrolment["code"], position)
        urls = {
            "application": enrolment_reverse("applications:application", prefix),
            "case_review": enrolment_reverse("casereview:review", prefix) if enrolment["has_case_review"] else "",
            "assessment": enrolment_reverse("assessment:feedback", prefix),
        }
        links.append({**enrolment, **urls, "current": {key: bool(url) and request.path.startswith(url)
                                                     for key, url in urls.items()}})
    return links


def portal(request):
    """What the navigation needs: which areas the signed-in person has."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_staff": facility_id_of(user) is not None,
        "nav_enrolments": enrolment_links(request, enrolments_in_navigation(user)),
        "nav_is_office": user.is_office,
        "nav_is_assessor": user.is_assessor,
    }
