from django.urls import path

from facilities.access import enrolment_pages

from . import views

app_name = "applications"
urlpatterns = enrolment_pages([
    path("application/", views.ApplicationView.as_view(), name="application"),
    path("application/standards/<int:number>/", views.ApplicationView.as_view(), name="standard"),
    path("application/questions/<int:number>/", views.QuestionView.as_view(), name="question"),
    path("application/summary/", views.SummaryView.as_view(), name="summary"),
    path("application/answers/<int:question_pk>/", views.AnswerView.as_view(), name="answer"),
    path("application/submit/", views.SubmitView.as_view(), name="submit"),
    path("application/reaccreditation/", views.ReaccreditationView.as_view(), name="reaccreditation"),
])
