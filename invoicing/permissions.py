"""Who may do what with charges, as small named predicates over (user, facility)."""
from facilities.permissions import is_authorised_representative, is_deputy, is_main_account_holder


def can_request_consultation(user, facility):
    """The facility's invoice roles: a consultation is charged to the facility, and they see its invoice."""
    return (
        is_authorised_representative(user, facility) or is_deputy(user, facility) or is_main_account_holder(user, facility)
    )
