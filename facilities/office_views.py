"""The office's area: every facility, its people, its history, and its status moves (its start page: portal.views)."""
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from accreditation.pagination import PaginatedListMixin

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
