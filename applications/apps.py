from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def apply_shipped_translations(sender, apps=global_apps, **kwargs):
    """At every migrate, each language with a data file beside the English (one added later too) gets its text.

    Only where a row has none in that language yet: what the office wrote stays.
    """
    from .question_bank import read_programme_file, translate_shipped_award_tiers, translate_shipped_question_set

    try:
        models = [apps.get_model("applications", name) for name in ("Programme", "Standard", "Question")]
        award_tier = apps.get_model("applications", "AwardTier")
    except LookupError:  # migrated to a point before the app's models
        return
    for code in ("io", "srs"):
        translate_shipped_question_set(read_programme_file(code), *models)
        translate_shipped_award_tiers(read_programme_file(code), award_tier)


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self):
        from facilities.tenancy import register_assessor_applications

        from . import receivers  # noqa: F401  (connects the reactions to facilities' signals)
        from .permissions import assigned_application_ids

        post_migrate.connect(apply_shipped_translations, sender=self)
        register_assessor_applications(assigned_application_ids)
