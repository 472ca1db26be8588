"""The office's area: every facility, its people, its history, and its status moves (its start page: portal.views)."""
from django.db.models import Count, Exists, OuterRef, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, ListView, TemplateView, UpdateView

from accreditation.exports import ListExport
from accreditation.pagination import PaginatedListMixin, paginate, seek

from .access import OfficeMixin
from .countries import countries_matching, country_name
from .models import AuditEntry, Enrolment, Facility, Membership, enrolments_with_programmes
from .views import AppointRoleMixin, FacilityProfileEditMixin, NewFacilityCodeMixin, PeopleMixin, RemoveMemberMixin


def facilities_matching(user, params):
    """The facility list's rows for its query string: ``q`` searches, ``status`` filters."""
    facilities = Facility.objects.visible_to(user).order_by("name", "pk")
    query, status = params.get("q", "").strip(), params.get("status", "")
    if query:
        facilities = facilities.filter(
            Q(name__icontains=query)
            | Q(institution__icontains=query)
            | Q(city__icontains=query)
            | Q(country__in=countries_matching(query))
            | Q(code__iexact=query)
        )
    if status in Enrolment.Status.values:
        facilities = facilities.filter(Exists(Enrolment.objects.filter(facility=OuterRef("pk"), status=status)))
    return facilities


def enrolments_described(facility):
    """The facility's enrolments in one cell: each programme with its status and, once awarded, the award's expiry."""
    return "; ".join(
        f"{enrolment.programme.name}: {enrolment.get_status_display()}"
        + (f" ({date_format(enrolment.award_expires_on)})" if enrolment.award_expires_on else "")
        for enrolment in facility.enrolments.all()
    )



FACILITIES_EXPORT = ListExport(
    "facilities", _("Facilities"),
    columns=(
        (_("Facility"), "name"), (_("Institution"), "institution"), (_("City"), "city"),
        (_("Country"), lambda facility: country_name(facility.country.code, get_language())),
        (_("Enrolments"), enrolments_described), (_("People"), "people"),
        (_("Registered"), lambda facility: timezone.localdate(facility.created_at)),
    ),
    rows=facilities_matching,
    prepare=lambda facilities: facilities.with_enrolments().annotate(people=Count("memberships")),
)


class FacilityListView(OfficeMixin, PaginatedListMixin, ListView):
    """Every facility by name, 50 a page; search by name, institution, city, country or facility code.

    A country is searched by its name in the reader's language or in English, matched as codes.
    The search is served by trigram indexes (facilities migration 0003) and the name order by a
    b-tree, so a page costs the same at 10 or 10,000 facilities; people are counted for the page only.
    """

    template_name = "office/facility_list.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        self.status = self.request.GET.get("status", "")
        return facilities_matching(self.request.user, self.request.GET).with_enrolments()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            query=self.query, status=self.status, status_tabs=Enrolment.Status.choices, **kwargs
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
        prefetch_related_objects([self.facility], enrolments_with_programmes())  # the profile's badges
        return self.facility

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **self.people_context(),
            audit_entries=self.facility.audit_entries.select_related("actor")[:200],
            applications=self.facility.applications.select_related("question_set__programme", "submitted_by"),
            **kwargs,
        )


def audit_entries_matching(user, params):
    """The audit trail's rows for its query string: ``facility`` (an id) keeps that facility's entries.

    The trail is the office's alone (its views are office-only), so it has no facility scoping of its own.
    """
    entries = AuditEntry.objects.order_by("-created_at", "-pk")
    facility = params.get("facility", "")
    return entries.filter(facility_id=facility) if facility.isdigit() else entries


def described_changes(entry):
    return "; ".join(f"{field}: {text}" for field, text in entry.described_changes())


AUDIT_TRAIL_EXPORT = ListExport(
    "audit-trail", _("Audit trail"),
    columns=(
        (_("When"), "created_at"), (_("Facility"), "facility.name"), (_("Who"), "actor"), (_("Action"), "action"),
        (_("What"), "summary_text"), (_("Changes"), described_changes),
    ),
    rows=audit_entries_matching,
    prepare=lambda entries: entries.select_related("facility", "actor"),
)


class AuditTrailView(OfficeMixin, PaginatedListMixin, ListView):
    """Who changed what and when, newest first, 50 a page: every facility's, or one's (``?facility=``)."""

    template_name = "office/audit_trail.html"
    context_object_name = "entries"

    def setup_scope(self, request, *args, **kwargs):
        facility = request.GET.get("facility", "")
        self.facility = get_object_or_404(Facility.objects.visible_to(request.user), pk=facility) if facility.isdigit() else None

    def get_queryset(self):
        return AUDIT_TRAIL_EXPORT.queryset(self.request.user, self.request.GET)

    def get_context_data(self, **kwargs):
        return super().get_context_data(facility=self.facility, **kwargs)


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
