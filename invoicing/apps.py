from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the reactions to facilities' signals)
