"""Who may do what, as small named predicates over (user, facility). DESIGN.md's role table."""


def facility_id_of(user):
    """The id of the facility a user works for, or None for office staff, assessors and anonymous."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_facility_id", False)
    if cached is not False:
        return cached
    from .models import Membership

    # The same row says whether the facility's programme has a case review (the navigation's link to it).
    user._facility_id, user._facility_has_case_review = Membership.objects.filter(user=user).values_list(
        "facility_id", "facility__programme__has_case_review"
    ).first() or (None, False)
    return user._facility_id


def facility_has_case_review(user):
    """Whether the programme of the facility a user works for has the internal case review."""
    return facility_id_of(user) is not None and user._facility_has_case_review


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


def can_see_facility_code(user, facility):
    return user.is_office or is_main_account_holder(user, facility) or is_authorised_representative(user, facility)


def can_manage_people(user, facility):
    """Appoint the roles, remove members, replace the facility code."""
    return user.is_office or is_authorised_representative(user, facility) or is_main_account_holder(user, facility)
