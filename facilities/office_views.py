"""The office's area: every facility, its people, its history, and its status moves."""
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from .access import OfficeMixin
from .models import Facility
from .views import AppointRoleMixin, FacilityProfileEditMixin, NewFacilityCodeMixin, PeopleMixin, RemoveMemberMixin


class FacilityListView(OfficeMixin, ListView):
    template_name = "office/facility_list.html"
    paginate_by = 50

    def get_queryset(self):
        facilities = Facility.objects.visible_to(self.request.user).annotate(people=Count("memberships")).order_by("name")
        self.query = self.request.GET.get("q", "").strip()
        self.status = self.request.GET.get("status", "")
        if self.query:
            facilities = facilities.filter(
                Q(name__icontains=self.query)
                | Q(institution__icontains=self.query)
                | Q(city__icontains=self.query)
                | Q(country__icontains=self.query)
                | Q(code__iexact=self.query)
            )
        if self.status in Facility.Status.values:
            facilities = facilities.filter(status=self.status)
        return facilities

    def get_context_data(self, **kwargs):
        counts = dict(Facility.objects.values_list("status").annotate(n=Count("pk")))
        return super().get_context_data(
            query=self.query,
            status=self.status,
            status_tabs=[(value, label, counts.get(value, 0)) for value, label in Facility.Status.choices],
            total=sum(counts.values()),
            **kwargs,
        )


class OfficeFacilityMixin(OfficeMixin):
    def setup_scope(self, request, *args, **kwargs):
        self.facility = get_object_or_404(
            Facility.objects.visible_to(request.user).select_related(
                "authorised_representative", "deputy_representative", "main_account_holder"
            ),
            pk=kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(facility=self.facility, **kwargs)

    def action_url(self, name, *args):
        return reverse(f"office:{name}", args=[self.facility.pk, *args])

    def people_page_url(self):
        return self.facility.get_absolute_url()


class FacilityDetailView(PeopleMixin, OfficeFacilityMixin, DetailView):
    template_name = "office/facility_detail.html"

    def get_object(self, queryset=None):
        return self.facility

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **self.people_context(),
            audit_entries=self.facility.audit_entries.select_related("actor")[:200],
            applications=self.facility.applications.select_related("question_set__programme", "submitted_by"),
            **kwargs,
        )


class FacilityEditView(OfficeFacilityMixin, FacilityProfileEditMixin, UpdateView):
    def get_success_url(self):
        return self.facility.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(cancel_url=self.facility.get_absolute_url(), **kwargs)


class AppointRoleView(AppointRoleMixin, OfficeFacilityMixin, FormView):
    pass


class RemoveMemberView(RemoveMemberMixin, OfficeFacilityMixin, TemplateView):
    pass


class NewFacilityCodeView(NewFacilityCodeMixin, OfficeFacilityMixin, TemplateView):
    pass


class AttentionView(OfficeMixin, TemplateView):
    """The office's start page: what waits for the office, across assessment, enrolment and invoices."""

    template_name = "office/attention.html"

    def get_context_data(self, **kwargs):
        from assessment.services import awards_missing_certificate, office_attention
        from invoicing.services import invoices_missing_pdf, overdue_invoices

        missing_pdf = {"invoices_missing_pdf": list(invoices_missing_pdf()),
                       "awards_missing_certificate": list(awards_missing_certificate())}
        return super().get_context_data(
            queues=office_attention(self.request.user),
            registered=Facility.objects.filter(status=Facility.Status.REGISTERED).order_by("created_at"),
            overdue_invoices=overdue_invoices(),
            missing_pdf_count=sum(map(len, missing_pdf.values())),
            **missing_pdf,
            **kwargs,
        )
