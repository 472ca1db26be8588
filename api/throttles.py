from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class CurrentRateMixin:
    """The rate as the settings say now (DRF reads it once, at import), so it follows a changed setting."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class PersonThrottle(CurrentRateMixin, UserRateThrottle):
    """Requests per person (per address before signing in), counted in the cache every replica shares."""

    scope = "person"


class DirectoryThrottle(CurrentRateMixin, AnonRateThrottle):
    """The public directory: requests per client address."""

    scope = "directory"
