from django.urls import path

from facilities import views

from . import registration
from . import views as portal_views

app_name = "facilities"
urlpatterns = [
    path("", portal_views.DashboardView.as_view(), name="dashboard"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/edit/", views.ProfileEditView.as_view(), name="profile_edit"),
    path("profile/roles/", views.AppointRoleView.as_view(), name="appoint_role"),
    path("profile/people/<int:user_pk>/remove/", views.RemoveMemberView.as_view(), name="remove_member"),
    path("profile/code/", views.NewFacilityCodeView.as_view(), name="new_code"),
    path("enrol/", registration.ChooseFurtherProgrammeView.as_view(), name="add_enrolment"),
    path("enrol/<slug:code>/", registration.AddEnrolmentView.as_view(), name="add_enrolment_for"),
]
