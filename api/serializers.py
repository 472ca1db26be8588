"""What the API shows of each resource. Money is a decimal string with its currency beside it."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accreditation.forms import refuse_control_characters
from applications.models import Application, Programme, WorkflowEvent
from assessment.models import Award
from facilities.models import Enrolment, Facility
from invoicing.models import MONEY, Invoice, InvoiceLine, Payment


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["code", "name", "full_name"]


class FacilityEnrolmentSerializer(serializers.ModelSerializer):
    """One of a facility's enrolments, inside the facility."""

    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["programme", "status", "status_changed_at", "award_expires_on"]


class FacilitySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2 code.")
    enrolments = FacilityEnrolmentSerializer(many=True, read_only=True)

    class Meta:
        model = Facility
        fields = [
            "id", "name", "institution", "address", "city", "postal_code", "country", "phone", "service_line",
            "annual_procedures", "code", "enrolments", "created_at",
        ]


class EnrolmentSerializer(serializers.ModelSerializer):
    """A facility's enrolment in a programme, named by both."""

    id = serializers.CharField(source="code", help_text="The facility's id and the programme's code, e.g. 12-io.")
    facility_name = serializers.CharField(source="facility.name")
    programme = ProgrammeSerializer()
    registered_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Enrolment
        fields = ["id", "facility", "facility_name", "programme", "status", "status_changed_at", "award_expires_on",
                  "registered_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    programme = serializers.SlugRelatedField(source="question_set.programme", slug_field="code", read_only=True)
    question_set_version = serializers.IntegerField(source="question_set.version")

    enrolment = serializers.CharField(source="enrolment.code", help_text="e.g. 12-io.")

    class Meta:
        model = Application
        fields = ["id", "facility", "enrolment", "programme", "question_set_version", "status", "started_at", "submitted_at",
                  "seeks_excellence"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class StatusChangeSerializer(serializers.ModelSerializer):
    """One move of an application's workflow, in the order they happened."""

    actor = PersonSerializer(allow_null=True)
    summary = serializers.CharField(source="summary_text", help_text="The timeline's line, in the request's language.")

    class Meta:
        model = WorkflowEvent
        fields = ["transition", "from_status", "to_status", "actor", "summary", "created_at"]


class AwardSerializer(serializers.ModelSerializer):
    application = serializers.IntegerField(source="decision.application_id")
    programme = serializers.SlugRelatedField(source="decision.application.question_set.programme", slug_field="code",
                                             read_only=True)
    decided_on = serializers.DateField(source="decision.decided_on")

    class Meta:
        model = Award
        fields = ["id", "facility", "application", "programme", "decided_on", "granted_on", "expires_on"]


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "amount"]


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True)
    paid = serializers.DecimalField(**MONEY, help_text="The sum of its payments.")
    outstanding = serializers.DecimalField(**MONEY, help_text="Still to be paid; 0 for a credit note or a credited invoice.")
    credited_invoice = serializers.SlugRelatedField(slug_field="number", read_only=True,
                                                    help_text="For a credit note: the number of the invoice it cancels.")

    class Meta:
        model = Invoice
        fields = ["id", "number", "facility", "kind", "fee_year", "credited_invoice", "reason", "issued_on", "due_on",
                  "currency", "subtotal", "tax_rate", "tax", "total", "paid", "outstanding", "lines",
                  "bill_to_name", "bill_to_institution", "bill_to_address", "bill_to_country"]


class PaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number")
    facility = serializers.IntegerField(source="invoice.facility_id")
    currency = serializers.CharField(source="invoice.currency")
    recorded_by = PersonSerializer()

    class Meta:
        model = Payment
        fields = ["id", "invoice", "invoice_number", "facility", "paid_on", "amount", "currency", "reference",
                  "recorded_by", "recorded_at"]


class RecordPaymentSerializer(serializers.Serializer):
    """Money received against an invoice; invoicing.services.record_payment checks and records it."""

    paid_on = serializers.DateField(help_text="The day the money was received.")
    amount = serializers.DecimalField(**MONEY)
    # One line, as the office's form insists: it is printed in the audit trail and on statements.
    reference = serializers.CharField(max_length=100, validators=[refuse_control_characters],
                                      help_text="The bank's reference, once per invoice.")
    submission_token = serializers.UUIDField(
        required=False,
        help_text="Optional idempotency key: posted again, the same key returns the payment it recorded (200) "
                  "instead of recording another.",
    )


class DirectoryCentreSerializer(serializers.ModelSerializer):
    """What the public directory page shows of a centre's enrolment in a programme, and nothing more."""

    name = serializers.CharField(source="facility.name")
    institution = serializers.CharField(source="facility.institution")
    city = serializers.CharField(source="facility.city")
    country = serializers.CharField(source="facility.country.code", help_text="ISO 3166-1 alpha-2 code.")
    country_name = serializers.CharField(source="facility.country.name", help_text="In the request's language.")
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True)
    award_expires_on = serializers.SerializerMethodField(help_text="For an accredited centre: until when.")

    class Meta:
        model = Enrolment
        fields = ["name", "institution", "city", "country", "country_name", "programme", "status", "award_expires_on"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_award_expires_on(self, enrolment):
        # As on the page: an enrolled centre shows no date.
        return None if enrolment.status == Enrolment.Status.ENROLLED else enrolment.award_expires_on
