from django.urls import path

from . import views

app_name = "casereview"
urlpatterns = [
    path("", views.ReviewView.as_view(), name="review"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("draw/", views.DrawView.as_view(), name="draw"),
    path("cases/<int:pk>/", views.CaseView.as_view(), name="case"),
    path("cases/<int:pk>/delete/", views.DeleteCaseView.as_view(), name="delete_case"),
    path("export.csv", views.ExportCsvView.as_view(), name="export_csv"),
    path("export.pdf", views.ExportPdfView.as_view(), name="export_pdf"),
]
