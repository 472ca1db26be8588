"""The office's area: every facility, its people, its history, and its status moves."""
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from accreditation.pagination import PaginatedListMixin, paginate, seek

from .access import OfficeMixin
from .countries import countries_matching
from .models import Facility, Membership
from .views import AppointRoleMixin, FacilityProfileEditMixin, NewFacilityCodeMixin, PeopleMixin, RemoveMemberMixin


class FacilityListView(OfficeMixin, PaginatedListMixin, ListView):
    """Every facility by name, 50 a page; search by name, institution, city, country or facility code.

    A country is searched by its name in the reader's language or in English, matched as codes.
    The search is served by trigram indexes (facilities migration 0003) and the name order by a
    b-tree, so a page costs the same at 10 or 10,000 facilities; people are counted for the page only.
    """

    template_name = "office/facility_list.html"

    def get_queryset(self):
        facilities = Facility.objects.visible_to(self.request.user).order_by("name", "pk")
        self.query = self.request.GET.get("q", "").strip()
        self.status = self.request.GET.get("status", "")
        if self.query:
            facilities = facilities.filter(
                Q(name__icontains=self.query)
                | Q(institution__icontains=self.query)
                | Q(city__icontains=self.query)
                | Q(country__in=countries_matching(self.query))
                | Q(code__iexact=self.query)
            )
        if self.status in Facility.Status.values:
            facilities = facilities.filter(status=self.status)
        return facilities

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            query=self.query, status=self.status, status_tabs=Facility.Status.choices, **kwargs
        )
        people = dict(
            Membership.objects.filter(facility__in=[facility.pk for facility in context["object_list"]])
            .values_list("facility").annotate(n=Count("pk")).order_by()
        )
        for facility in context["object_list"]:
            facility.people = people.get(facility.pk, 0)
        return context


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


ATTENTION_PER_PAGE = 10


class AttentionView(OfficeMixin, TemplateView):
    """The office's start page: what waits for the office, across assessment, enrolment and invoices."""

    template_name = "office/attention.html"

    def get_context_data(self, **kwargs):
        from assessment.services import awards_missing_certificate, office_attention
        from assessment.turnaround import attach_turnaround, late_applications
        from invoicing.services import invoices_missing_pdf, overdue_invoices

        # Each card is a list shown a page at a time, paged by its own parameter so paging one keeps the others.
        # Pages of 10, not 50: the page holds seven lists, and 350 rows would cost more than all its queries.
        def page_of(rows, param):
            return paginate(self.request, rows, param, per_page=ATTENTION_PER_PAGE)

        return super().get_context_data(
            queues=[(heading, page_of(applications, f"{key}_page"))
                    for key, heading, applications in office_attention(self.request.user)],
            registered=page_of(Facility.objects.filter(status=Facility.Status.REGISTERED).order_by("created_at", "pk"),
                               "registered_page"),
            # Counting overdue invoices would work out every one's balance: this list is paged by seeking.
            overdue_invoices=seek(self.request, overdue_invoices(), ["due_on", "pk"], ATTENTION_PER_PAGE,
                                  param="overdue_invoices_after"),
            invoices_missing_pdf=page_of(invoices_missing_pdf(), "invoices_missing_pdf_page"),
            awards_missing_certificate=page_of(awards_missing_certificate(), "certificates_page"),
            late=attach_turnaround(page_of(late_applications(self.request.user), "late_page")),
            **kwargs,
        )
