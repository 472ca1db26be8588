from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import office_views, views

router = SimpleRouter()
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("enrolments", views.EnrolmentViewSet, basename="enrolment")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("awards", views.AwardViewSet, basename="award")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("directory", views.DirectoryViewSet, basename="directory")

app_name = "api"
urlpatterns = [
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("api/v1/", include(router.urls)),
    path("office/api-tokens/", office_views.TokenListView.as_view(), name="tokens"),
    path("office/api-tokens/new/", office_views.CreateTokenView.as_view(), name="create_token"),
    path("office/api-tokens/<int:pk>/revoke/", office_views.RevokeTokenView.as_view(), name="revoke_token"),
]
