"""The REST API's endpoints. Every row comes from the model's ``visible_to(user)``, the pages' one rule;
every write goes through the owning app's service."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from applications.models import Application, WorkflowEvent
from assessment.models import Award
from facilities.models import Enrolment, Facility
from invoicing import services as invoicing
from invoicing.models import Invoice, Payment

from . import filters, serializers
from .throttles import DirectoryThrottle


class VisibleViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only resource: list and detail of the rows ``visible_to`` the requesting person."""

    model = None

    def get_queryset(self):
        return self.shape(self.model.objects.visible_to(self.request.user))

    def shape(self, queryset):
        """The related rows a page of the resource needs, fetched with it (a constant number of queries)."""
        return queryset


class FacilityViewSet(VisibleViewSet):
    """Facilities: their details, and their enrolments with the status of each."""

    model = Facility
    serializer_class = serializers.FacilitySerializer
    filterset_class = filters.FacilityFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def shape(self, queryset):
        return queryset.with_enrolments()


@extend_schema_view(
    retrieve=extend_schema(parameters=[
        OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. 12-io"),
    ]),
)
class EnrolmentViewSet(VisibleViewSet):
    """A facility's enrolments, one per programme, each with its status and award."""

    model = Enrolment
    serializer_class = serializers.EnrolmentSerializer
    filterset_class = filters.EnrolmentFilter
    ordering_fields = ["created_at", "status_changed_at", "award_expires_on"]
    ordering = ["facility__name", "created_at"]
    lookup_url_kwarg = "id"
    lookup_value_regex = r"[0-9]+-[-\w]+"

    def shape(self, queryset):
        return queryset.select_related("facility", "programme")

    def get_object(self):
        facility_id, _, programme = self.kwargs["id"].partition("-")
        enrolment = self.filter_queryset(self.get_queryset()).filter(
            facility_id=facility_id, programme__code=programme).first()
        if enrolment is None:
            raise Http404
        return enrolment


class ApplicationViewSet(VisibleViewSet):
    """Applications with their current status; ``history`` lists every move of the status."""

    model = Application
    serializer_class = serializers.ApplicationSerializer
    filterset_class = filters.ApplicationFilter
    ordering_fields = ["started_at", "submitted_at", "status"]
    ordering = ["-started_at"]

    def shape(self, queryset):
        return queryset.select_related("question_set__programme", "enrolment__programme")

    @extend_schema(responses=serializers.StatusChangeSerializer(many=True), filters=False)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """Every move of the application's status, oldest first."""
        application = self.get_object()
        events = WorkflowEvent.objects.visible_to(request.user).filter(application=application).select_related("actor")
        return Response(serializers.StatusChangeSerializer(events, many=True).data)


class AwardViewSet(VisibleViewSet):
    """Awards: an accreditation or certification granted by an approval, and until when it is valid."""

    model = Award
    serializer_class = serializers.AwardSerializer
    filterset_class = filters.AwardFilter
    ordering_fields = ["granted_on", "expires_on"]
    ordering = ["-granted_on"]

    def shape(self, queryset):
        return queryset.select_related("decision__application__question_set__programme")


class InvoiceViewSet(VisibleViewSet):
    """Invoices and credit notes with their lines, what is paid and what is outstanding."""

    model = Invoice
    serializer_class = serializers.InvoiceSerializer
    filterset_class = filters.InvoiceFilter
    ordering_fields = ["issued_on", "due_on", "total"]
    ordering = ["-issued_on", "-sequence"]

    def shape(self, queryset):
        return queryset.with_balance().select_related("credited_invoice").prefetch_related("lines")

    @extend_schema(methods=["GET"], responses=serializers.PaymentSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"],
        request=serializers.RecordPaymentSerializer,
        responses={
            201: serializers.PaymentSerializer,
            200: OpenApiResponse(serializers.PaymentSerializer, description="Recorded before under this submission_token."),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Each field at fault with why (non_field_errors: the invoice as a whole); nothing was recorded.",
                examples=[OpenApiExample("Overpayment", value={"amount": ["Only €1,800.00 is outstanding on this invoice."]})],
            ),
        },
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def payments(self, request, pk=None):
        """GET: the invoice's payments. POST: record money received, as the office's payment form does (an
        enrolment invoice paid in full enrols its facility); refused with 400 when it pays more than is
        outstanding, is dated before the invoice or in the future, or repeats a bank reference."""
        invoice = self.get_object()
        if request.method == "GET":
            payments = Payment.objects.visible_to(request.user).filter(invoice=invoice).select_related(
                "invoice", "recorded_by")
            return Response(serializers.PaymentSerializer(payments, many=True).data)
        entered = serializers.RecordPaymentSerializer(data=request.data)
        entered.is_valid(raise_exception=True)
        token = entered.validated_data.get("submission_token")
        if token and (earlier := invoicing.recorded_payment(invoice, token)):
            return Response(serializers.PaymentSerializer(earlier).data, status=status.HTTP_200_OK)
        try:
            payment = invoicing.record_payment(invoice, request.user, **entered.validated_data)
        except DjangoValidationError as error:
            raise ValidationError(
                error.message_dict if hasattr(error, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
            ) from None
        return Response(serializers.PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentViewSet(VisibleViewSet):
    """Payments received, newest first."""

    model = Payment
    serializer_class = serializers.PaymentSerializer
    filterset_class = filters.PaymentFilter
    ordering_fields = ["paid_on", "recorded_at", "amount"]
    ordering = ["-recorded_at"]

    def shape(self, queryset):
        return queryset.select_related("invoice", "recorded_by")


@extend_schema(auth=[])
class DirectoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The public directory of enrolled and accredited centres: what the directory page shows, for anyone."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [DirectoryThrottle]
    serializer_class = serializers.DirectoryCentreSerializer
    filterset_class = filters.DirectoryFilter
    ordering_fields = ["facility__name", "facility__city", "facility__country"]
    ordering = ["facility__name", "programme__name"]

    def get_queryset(self):
        return Enrolment.objects.in_public_directory()
