"""Celery wrappers: each takes ids, loads fresh rows and calls a service."""
from accreditation.pdf import rendering_task


@rendering_task
def render_case_review_export(export_id):
    from . import services
    from .models import CaseReviewExport

    return services.store_review_export(CaseReviewExport.objects.select_related("application__facility").get(pk=export_id))
