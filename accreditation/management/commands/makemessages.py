"""Django's makemessages, also collecting the portal's lazy strings marked ``_l(...)`` (gettext_lazy)."""
from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
