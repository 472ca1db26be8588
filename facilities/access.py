"""The one place that decides who reaches a view and which rows a query may return.

Every portal view uses one of the audience mixins below; every tenant-owned model's queryset
derives from facilities.tenancy.TenantQuerySet, whose ``visible_to(user)`` is the only way views fetch such rows.
Another facility's object therefore answers 404 (it is simply not in the queryset), while
"your facility, not your role" answers 403 through ``allowed``.
"""
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse

from .permissions import can_submit_application, facility_id_of


class AudienceMixin(AccessMixin):
    """Anonymous users go to sign in; signed-in users outside the audience, or lacking ``allowed``, get 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.in_audience(request.user):
            raise PermissionDenied
        self.setup_scope(request, *args, **kwargs)
        if not self.allowed(request.user):
            raise PermissionDenied
        return self.unavailable_response(request) or super().dispatch(request, *args, **kwargs)

    def in_audience(self, user):
        raise NotImplementedError

    def setup_scope(self, request, *args, **kwargs):
        """Load the objects the view works on (404 when out of the user's scope)."""

    def allowed(self, user):
        """The role check within the audience; override with a predicate from permissions.py."""
        return True

    def unavailable_response(self, request):
        """A page explaining why the view is not available yet (e.g. before enrolment), or None."""
        return None


FACILITY_ROLES = ("authorised_representative", "deputy_representative", "main_account_holder")


class FacilityStaffMixin(AudienceMixin):
    """Views of a facility's own staff: ``self.facility`` is always the user's own facility."""

    def in_audience(self, user):
        return facility_id_of(user) is not None

    def setup_scope(self, request, *args, **kwargs):
        from .models import Facility

        self.facility = Facility.objects.select_related(*FACILITY_ROLES).get(pk=facility_id_of(request.user))
        super().setup_scope(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("facility", self.facility)
        return super().get_context_data(**kwargs)


def enrolment_pages(patterns):
    """The facility pages of one enrolment, at /facility/<programme code>/… for each of the facility's enrolments,
    and at /facility/… for its first (where they were before a facility could hold several programmes)."""
    return [path("", include(patterns)), path("<slug:programme>/", include(patterns))]


def enrolment_prefix(programme_code, position):
    """How the pages of a facility's enrolment (``position`` in created order) are addressed: the first's as
    enrolment_pages serves them without a code, the others' under their programme's code."""
    return programme_code if position else ""


def enrolment_reverse(name, prefix, *args):
    """The address of an enrolment's page, in the form (``prefix``: a programme code or "") the user reached it by."""
    return reverse(name, args=[prefix, *args] if prefix else list(args))


class EnrolmentStaffMixin(FacilityStaffMixin):
    """Pages of one of the facility's enrolments: ``self.enrolment``; another programme's code answers 404."""

    def setup_scope(self, request, *args, **kwargs):
        from .models import Enrolment

        self.enrolment_prefix = kwargs.get("programme", "")
        # The enrolment and its facility in one query: the facility's own (FacilityStaffMixin's) is not needed.
        enrolments = Enrolment.objects.filter(facility_id=facility_id_of(request.user)).select_related(
            "programme", *(f"facility__{role}" for role in FACILITY_ROLES))
        if self.enrolment_prefix:
            self.enrolment = get_object_or_404(enrolments, programme__code=self.enrolment_prefix)
        else:
            self.enrolment = enrolments.first()  # in created order (Enrolment.Meta.ordering)
        self.facility = self.enrolment.facility
        super(FacilityStaffMixin, self).setup_scope(request, *args, **kwargs)

    def enrolment_url(self, name, *args):
        return enrolment_reverse(name, self.enrolment_prefix, *args)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("enrolment", self.enrolment)
        kwargs.setdefault("enrolment_prefix", self.enrolment_prefix)
        return super().get_context_data(**kwargs)


class AuthorisedRepresentativeMixin:
    """Steps only the authorised representative takes (submitting, resubmitting, plans, re-accreditation)."""

    def allowed(self, user):
        return can_submit_application(user, self.facility) and super().allowed(user)


class OfficeMixin(AudienceMixin):
    def in_audience(self, user):
        return user.is_office


class ChairpersonMixin(AudienceMixin):
    def in_audience(self, user):
        return user.is_chairperson


class AssessorMixin(AudienceMixin):
    def in_audience(self, user):
        return user.is_assessor


def get_visible_or_404(queryset, user, **lookup):
    """Fetch one tenant-owned row the user may see, or 404 so its existence does not leak."""
    return get_object_or_404(queryset.visible_to(user), **lookup)


class SignedInMixin(AudienceMixin):
    """Any signed-in person; the view's queryset (visible_to) decides what they reach."""

    def in_audience(self, user):
        return True
