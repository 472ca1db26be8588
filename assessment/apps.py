from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"

    def ready(self):
        from . import reminders  # noqa: F401  (registers the reminder kinds)
