from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def apply_shipped_translations(sender, apps=global_apps, **kwargs):
    """At every migrate, each language with a data file beside minimum_dataset.json gets its text where none is."""
    from .dataset import translate_minimum_dataset

    try:
        models = apps.get_model("casereview", "DatasetGroup"), apps.get_model("casereview", "DatasetItem")
    except LookupError:  # migrated to a point before the app's models
        return
    translate_minimum_dataset(*models)


class CasereviewConfig(AppConfig):
    name = "casereview"

    def ready(self):
        from applications import extensions

        from .services import review_state

        post_migrate.connect(apply_shipped_translations, sender=self)
        extensions.register(case_review_state=review_state)
