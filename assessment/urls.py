from django.urls import include, path

from facilities.access import enrolment_pages

from . import facility_views, office_views, step_views, views

app_name = "assessment"
urlpatterns = [
    # Assessors
    path("assessor/", views.AssessorQueueView.as_view(), name="queue"),
    path("assessor/profile/", views.AssessorProfileView.as_view(), name="profile"),
    path("assessor/applications/<int:pk>/", views.ReviewView.as_view(), name="review"),
    path("assessor/applications/<int:pk>/decline/", views.DeclineView.as_view(), name="decline"),
    path("assessor/applications/<int:pk>/questions/<int:question_pk>/verdict/", views.VerdictView.as_view(), name="verdict"),
    path("assessor/applications/<int:pk>/complete-round/", views.CompleteRoundView.as_view(), name="complete_round"),
    path("assessor/applications/<int:pk>/recommend/", views.RecommendView.as_view(), name="recommend"),
    path("assessor/applications/<int:pk>/plan-review/", views.PlanReviewView.as_view(), name="plan_review"),
    path("assessor/applications/<int:pk>/case-review/", views.CaseReviewView.as_view(), name="case_review"),
    path("assessor/applications/<int:pk>/case-review/repeat-draw/", views.RepeatDrawView.as_view(), name="repeat_draw"),
    # Facility staff, for each of the facility's enrolments
    path("facility/", include(enrolment_pages([
        path("assessment/", facility_views.FeedbackView.as_view(), name="feedback"),
        path("assessment/comments/<int:verdict_pk>/reply/", facility_views.ReplyView.as_view(), name="reply"),
        path("assessment/resubmit/", facility_views.ResubmitView.as_view(), name="resubmit"),
        path("assessment/action-plan/", facility_views.ActionPlanView.as_view(), name="action_plan"),
        path("award/certificate/", facility_views.CertificateView.as_view(), name="certificate"),
        path("award/seal/", facility_views.SealView.as_view(), name="seal"),
    ]))),
    path("evidence/<int:pk>/", facility_views.EvidenceView.as_view(), name="evidence"),
    # Office and chairperson
    path("office/assessments/", office_views.AssessmentListView.as_view(), name="office_list"),
    path("office/awards/", office_views.AwardListView.as_view(), name="office_awards"),
    path("office/assessors/", office_views.AssessorListView.as_view(), name="office_assessors"),
    path("office/assessments/assign-all/", office_views.AssignAllView.as_view(), name="assign_all"),
    path("office/assessors/profiles/", office_views.AssessorsView.as_view(), name="assessors"),
    path("office/applications/<int:pk>/assign/", office_views.AssignView.as_view(), name="assign"),
    path("office/applications/<int:pk>/audits/<str:kind>/", office_views.ScheduleAuditView.as_view(), name="schedule_audit"),
    path("office/audits/<int:pk>/outcome/", office_views.AuditOutcomeView.as_view(), name="audit_outcome"),
    path("office/applications/<int:pk>/steps/<int:step_pk>/schedule/", step_views.ScheduleStepView.as_view(),
         name="schedule_step"),
    # A pathway's expert steps: read by the facility, the assessors and the office; recorded by the expert or the office.
    path("steps/site-visits/<int:pk>/", step_views.SiteVisitView.as_view(), name="site_visit"),
    path("steps/dosimetry-audits/<int:pk>/", step_views.DosimetryAuditView.as_view(), name="dosimetry_audit"),
    path("steps/dosimetry-audits/<int:pk>/points/<int:point_pk>/remeasure/", step_views.RemeasurePointView.as_view(),
         name="remeasure_point"),
    path("steps/dosimetry-audits/<int:pk>/complete/", step_views.CompleteDosimetryAuditView.as_view(),
         name="complete_dosimetry_audit"),
    path("steps/remote-reviews/<int:pk>/", step_views.RemoteReviewView.as_view(), name="remote_review"),
    path("office/applications/<int:pk>/decide/", office_views.DecideView.as_view(), name="decide"),
    path("office/applications/<int:pk>/render-certificate/", office_views.RenderCertificateView.as_view(),
         name="render_certificate"),
]
