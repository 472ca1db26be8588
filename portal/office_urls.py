from django.urls import path, re_path

from accreditation import export_views

from casereview import office_views as case_review_views
from facilities import office_views

from . import office_views as application_views
from . import views as portal_views

app_name = "office"
urlpatterns = [
    path("", portal_views.AttentionView.as_view(), name="attention"),
    path("facilities/", office_views.FacilityListView.as_view(), name="facilities"),
    path("facilities/<int:pk>/", office_views.FacilityDetailView.as_view(), name="facility"),
    path("facilities/<int:pk>/edit/", office_views.FacilityEditView.as_view(), name="facility_edit"),
    path("facilities/<int:pk>/roles/", office_views.AppointRoleView.as_view(), name="appoint_role"),
    path("facilities/<int:pk>/people/<int:user_pk>/remove/", office_views.RemoveMemberView.as_view(), name="remove_member"),
    path("facilities/<int:pk>/code/", office_views.NewFacilityCodeView.as_view(), name="new_code"),
    path("applications/<int:pk>/", application_views.OfficeApplicationView.as_view(), name="application"),
    path("applications/<int:pk>/case-review/repeat-draw/", case_review_views.OfficeRepeatDrawView.as_view(), name="repeat_draw"),
    path("applications/<int:pk>/case-review/", case_review_views.OfficeCaseReviewView.as_view(), name="case_review"),
    # Every office list's download (accreditation.exports), and the exports the worker writes.
    re_path(r"^exports/(?P<list_name>[a-z-]+)\.(?P<fmt>csv|xlsx)$", export_views.ExportListView.as_view(), name="export_list"),
    path("exports/", export_views.MyExportsView.as_view(), name="exports"),
    path("exports/<int:pk>/", export_views.ExportView.as_view(), name="export"),
    path("exports/<int:pk>/file/", export_views.ExportDownloadView.as_view(), name="export_download"),
    path("audit-trail/", office_views.AuditTrailView.as_view(), name="audit_trail"),
]
