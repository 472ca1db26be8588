from django.urls import path

from facilities.access import enrolment_pages

from . import views

app_name = "casereview"
urlpatterns = enrolment_pages([
    path("case-review/", views.ReviewView.as_view(), name="review"),
    path("case-review/summary/", views.SummaryView.as_view(), name="summary"),
    path("case-review/draw/", views.DrawView.as_view(), name="draw"),
    path("case-review/cases/<int:pk>/", views.CaseView.as_view(), name="case"),
    path("case-review/cases/<int:pk>/delete/", views.DeleteCaseView.as_view(), name="delete_case"),
    path("case-review/export.csv", views.ExportCsvView.as_view(), name="export_csv"),
    path("case-review/export.pdf", views.ExportPdfView.as_view(), name="export_pdf"),
])
