from django.urls import path

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
]
