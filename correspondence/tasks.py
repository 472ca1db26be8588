"""Celery wrappers: each loads fresh rows and calls a service."""
from celery import shared_task

from . import reminders


@shared_task
def send_due_reminders():
    return reminders.send_due_reminders()
