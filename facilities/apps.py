from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "facilities"
    verbose_name = "Facilities and people"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the sign-in receiver)
