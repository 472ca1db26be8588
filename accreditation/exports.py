"""Tables out of the portal: one way to turn a tablib Dataset into a download."""
from django.http import HttpResponse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def dataset_response(dataset, filename_stem, fmt):
    """``dataset`` as the attachment ``<filename_stem>.<fmt>`` (csv or xlsx)."""
    response = HttpResponse(dataset.export(fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}.{fmt}"'
    return response
