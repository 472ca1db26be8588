"""Celery wrappers: each takes ids and calls a service (accreditation.exports)."""
from celery import shared_task


# Not retried: the person who asked watches the export's page, and a failure there (try again) serves them
# better than minutes of silent retries; a task delivered twice writes the file once (write_export claims it).
@shared_task
def write_list_export(export_id):
    from .exports import write_export

    return write_export(export_id)


@shared_task
def tidy_exports():
    """Fail the exports a stopped worker left unwritten, delete those past settings.EXPORT_KEEP_DAYS."""
    from .exports import delete_old_exports, fail_stale_exports

    fail_stale_exports()
    return delete_old_exports()
