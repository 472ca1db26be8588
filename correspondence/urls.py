from django.urls import path

from . import office_views, views

app_name = "correspondence"
urlpatterns = [
    path("facility/messages/", views.MessagesView.as_view(), name="messages"),
    path("facility/documents/", views.DocumentsView.as_view(), name="documents"),
    path("facility/documents/enrolled-centre-logo/", views.EnrolledLogoView.as_view(), name="enrolled_logo"),
    path("documents/published/<int:pk>/", views.PublishedDocumentView.as_view(), name="published_document"),
    path("documents/uploaded/<int:pk>/", views.FacilityDocumentView.as_view(), name="facility_document"),
    path("office/messages/", office_views.OfficeInboxView.as_view(), name="office_inbox"),
    path("office/facilities/<int:pk>/messages/", office_views.OfficeThreadView.as_view(), name="office_thread"),
    path("office/documents/", office_views.OfficeDocumentsView.as_view(), name="office_documents"),
]
