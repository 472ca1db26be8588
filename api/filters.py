"""The list filters of each resource (django-filter) and an ordering that pages stably."""
from django.db.models import F, Q
from django_filters import rest_framework as filters
from rest_framework.filters import OrderingFilter

from applications.models import Application
from assessment.models import Award
from facilities.models import Enrolment, Facility
from invoicing.models import Invoice, Payment


class StableOrderingFilter(OrderingFilter):
    """The requested order, then the id: rows with equal keys keep their place from one page to the next."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("pk")
        return ordering


class FacilityFilter(filters.FilterSet):
    status = filters.ChoiceFilter(field_name="enrolments__status", choices=Enrolment.Status.choices, distinct=True,
                                  help_text="An enrolment of the facility is in this status.")
    programme = filters.CharFilter(field_name="enrolments__programme__code", distinct=True,
                                   help_text="Enrolled in a programme, by its code, e.g. io.")
    country = filters.CharFilter(field_name="country", lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code.")
    registered_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    registered_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Facility
        fields = ["status", "programme", "country"]


class EnrolmentFilter(filters.FilterSet):
    facility = filters.NumberFilter(field_name="facility")
    programme = filters.CharFilter(field_name="programme__code", help_text="A programme's code, e.g. io.")
    country = filters.CharFilter(field_name="facility__country", lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code.")
    registered_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    registered_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    award_expires_before = filters.DateFilter(field_name="award_expires_on", lookup_expr="lte")

    class Meta:
        model = Enrolment
        fields = ["status", "facility", "programme", "country"]


class DirectoryFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=[c for c in Enrolment.Status.choices if c[0] != Enrolment.Status.REGISTERED])
    programme = filters.CharFilter(field_name="programme__code", help_text="A programme's code, e.g. io.")
    country = filters.CharFilter(field_name="facility__country", lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code.")

    class Meta:
        model = Enrolment
        fields = ["status", "programme", "country"]


class ApplicationFilter(filters.FilterSet):
    facility = filters.NumberFilter(field_name="facility")
    programme = filters.CharFilter(field_name="question_set__programme__code", help_text="A programme's code, e.g. io.")
    country = filters.CharFilter(field_name="facility__country", lookup_expr="iexact")
    submitted_after = filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")

    class Meta:
        model = Application
        fields = ["status", "facility", "programme", "country"]


class AwardFilter(filters.FilterSet):
    facility = filters.NumberFilter(field_name="facility")
    programme = filters.CharFilter(field_name="decision__application__question_set__programme__code")
    country = filters.CharFilter(field_name="facility__country", lookup_expr="iexact")
    granted_after = filters.DateFilter(field_name="granted_on", lookup_expr="gte")
    expires_before = filters.DateFilter(field_name="expires_on", lookup_expr="lte")
    expires_after = filters.DateFilter(field_name="expires_on", lookup_expr="gte")

    class Meta:
        model = Award
        fields = ["facility", "programme", "country"]


class InvoiceFilter(filters.FilterSet):
    facility = filters.NumberFilter(field_name="facility")
    outstanding = filters.BooleanFilter(method="filter_outstanding", help_text="true: only invoices with money still to pay.")
    issued_after = filters.DateFilter(field_name="issued_on", lookup_expr="gte")
    issued_before = filters.DateFilter(field_name="issued_on", lookup_expr="lte")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")
    year = filters.NumberFilter(field_name="year")

    class Meta:
        model = Invoice
        fields = ["facility", "kind", "currency", "year"]

    def filter_outstanding(self, queryset, name, value):
        # Invoice.outstanding()'s rule, on the list's with_balance() annotations.
        open_ = ~Q(kind=Invoice.Kind.CREDIT_NOTE) & Q(credited=0) & Q(paid__lt=F("total"))
        return queryset.filter(open_ if value else ~open_)


class PaymentFilter(filters.FilterSet):
    invoice = filters.NumberFilter(field_name="invoice")
    facility = filters.NumberFilter(field_name="invoice__facility")
    paid_after = filters.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_before = filters.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = ["invoice", "facility"]
