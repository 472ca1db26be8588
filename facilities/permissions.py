"""Who may do what, as small named predicates over (user, facility). DESIGN.md's role table."""


def facility_id_of(user):
    """The id of the facility a user works for, or None for office staff, assessors and anonymous."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_facility_id", False)
    if cached is not False:
        return cached
    from .models import Membership

    # The same query lists the facility's enrolments, oldest first, for the navigation's links to their pages.
    rows = list(Membership.objects.filter(user=user).order_by(
        "facility__enrolments__created_at", "facility__enrolments__pk").values_list(
        "facility_id", "facility__enrolments__programme__code", "facility__enrolments__programme__name",
        "facility__enrolments__programme__has_case_review"))
    user._facility_id = rows[0][0] if rows else None
    user._facility_enrolments = [
        {"code": code, "name": name, "has_case_review": has_case_review}
        for _facility, code, name, has_case_review in rows if code
    ]
    return user._facility_id


def enrolments_in_navigation(user):
    """The programmes of the facility a user works for, oldest enrolment first, each with its code, name and whether it
    has the internal case review."""
    return user._facility_enrolments if facility_id_of(user) is not None else []


def is_authorised_representative(user, facility):
    return user.pk == facility.authorised_representative_id


def is_deputy(user, facility):
    return user.pk == facility.deputy_representative_id


def is_main_account_holder(user, facility):
    return user.pk == facility.main_account_holder_id


def is_staff_of(user, facility):
    return facility_id_of(user) == facility.pk


def can_edit_facility(user, facility):
    return user.is_office or is_authorised_representative(user, facility) or is_main_account_holder(user, facility)


def can_view_invoices(user, facility):
    return (
        user.is_office
        or is_authorised_representative(user, facility)
        or is_deputy(user, facility)
        or is_main_account_holder(user, facility)
    )


def can_submit_application(user, facility):
    return is_authorised_representative(user, facility)


def can_add_enrolment(user, facility):
    """Enrolling the facility in a further programme: like an application, the authorised representative's step."""
    return can_submit_application(user, facility)


def can_see_facility_code(user, facility):
    return user.is_office or is_main_account_holder(user, facility) or is_authorised_representative(user, facility)


def can_manage_people(user, facility):
    """Appoint the roles, remove members, replace the facility code."""
    return user.is_office or is_authorised_representative(user, facility) or is_main_account_holder(user, facility)
