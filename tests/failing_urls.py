"""The portal's URLs and one view that fails, for tests/test_error_pages.py."""
from django.urls import path

from accreditation.urls import urlpatterns as portal_urlpatterns


def fails(request):
    raise RuntimeError("a defect")


urlpatterns = [path("fails/", fails), *portal_urlpatterns]
