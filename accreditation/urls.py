from django.contrib import admin
from django.urls import include, path

from facilities import views as facility_views
from portal import registration

# Uploaded and generated files (evidence, certificates, invoices, documents) are never served by
# URL: each has a view that checks who may read it.
urlpatterns = [
    path("", facility_views.home, name="home"),
    path("register/", registration.ChooseProgrammeView.as_view(), name="register_facility"),
    path("register/done/", facility_views.registered, name="registered"),
    path("register/appointments/<int:pk>/", facility_views.AcceptAppointmentView.as_view(), name="accept_appointment"),
    path("register/<slug:code>/", registration.RegisterFacilityView.as_view(), name="register_for_programme"),
    path("language/", facility_views.switch_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("facility/", include("portal.facility_urls")),
    path("facility/", include("applications.urls")),
    path("facility/", include("casereview.urls")),
    path("office/reports/", include("reports.urls")),
    path("office/", include("portal.office_urls")),
    path("", include("assessment.urls")),
    path("", include("invoicing.urls")),
    path("", include("correspondence.urls")),
    path("centres/", facility_views.DirectoryView.as_view(), name="directory"),
    # The REST API (/api/v1/) and the office's pages for its tokens.
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]