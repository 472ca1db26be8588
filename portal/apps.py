from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages that compose several apps (see README, "Which app owns what"); it has no models."""

    name = "portal"
