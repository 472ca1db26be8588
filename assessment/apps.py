from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"

    def ready(self):
        from applications import extensions

        from .awards import excellence_offer
        from .services import reopened_question_ids, timeline
        from .steps import required_steps_recorded

        extensions.register(
            reopened_question_ids=reopened_question_ids, timeline=timeline, excellence_offer=excellence_offer,
            required_steps_recorded=required_steps_recorded,
        )
