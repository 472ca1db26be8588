from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(BaseEmailBackend):
    """Development mail: printed to the console and kept as files under var/mail to click links in."""

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.backends = [
            ConsoleBackend(fail_silently=fail_silently, **kwargs),
            FileBackend(fail_silently=fail_silently, **kwargs),
        ]

    def send_messages(self, email_messages):
        sent = 0
        for backend in self.backends:
            sent = backend.send_messages(email_messages)
        return sent
