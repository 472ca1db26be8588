from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.ApplicationView.as_view(), name="application"),
    path("standards/<int:number>/", views.ApplicationView.as_view(), name="standard"),
    path("questions/<int:number>/", views.QuestionView.as_view(), name="question"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("answers/<int:question_pk>/", views.AnswerView.as_view(), name="answer"),
    path("submit/", views.SubmitView.as_view(), name="submit"),
    path("reaccreditation/", views.ReaccreditationView.as_view(), name="reaccreditation"),
]
