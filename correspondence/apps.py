from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "correspondence"

    def ready(self):
        from . import assessment_reminders  # noqa: F401  (registers the assessment's reminder kinds)
