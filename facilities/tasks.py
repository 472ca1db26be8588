"""Celery wrappers: each calls a service."""
from celery import shared_task

from . import services


@shared_task
def lapse_expired_awards():
    return [enrolment.pk for enrolment in services.lapse_expired_awards()]
