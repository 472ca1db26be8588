"""Facility staff's pages and the public registration."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView, UpdateView

from . import permissions, services
from .access import FacilityStaffMixin
from .forms import FacilityProfileForm, FacilityRegistrationForm
from .models import Appointment, Facility
from .permissions import facility_id_of


def home(request):
    """Send each person to their own area; strangers see what the portal is for."""
    user = request.user
    if user.is_authenticated:
        if user.is_office:
            return redirect("office:attention")
        if facility_id_of(user) is not None:
            return redirect("facilities:dashboard")
        if user.is_assessor:
            return redirect("assessment:queue")
    return render(request, "home.html")


class RegisterFacilityView(FormView):
    template_name = "facilities/register.html"
    form_class = FacilityRegistrationForm

    def form_valid(self, form):
        facility = services.register_facility(self.request, form)
        self.request.session["registered_facility"] = facility.name
        return redirect("registered")


def registered(request):
    return render(request, "facilities/registered.html", {"facility_name": request.session.get("registered_facility")})


class AcceptAppointmentView(LoginRequiredMixin, TemplateView):
    """The owner of an existing account, named at a facility's registration, takes up the appointment.

    Only the appointed person finds it (404 for everyone else), and only while it is pending.
    """

    template_name = "facilities/register_accept.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.appointment = get_object_or_404(
                Appointment.objects.select_related("facility"), pk=kwargs["pk"], user=request.user, taken_up_at__isnull=True
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("refusal", services.appointment_refusal(self.request.user, self.appointment.facility))
        return super().get_context_data(appointment=self.appointment, **kwargs)

    def post(self, request, *args, **kwargs):
        refusal = services.take_up_appointment(self.appointment)
        if refusal:
            return self.render_to_response(self.get_context_data(refusal=refusal))
        messages.success(request, _("You now belong to %(facility)s.") % {"facility": self.appointment.facility})
        return redirect("facilities:dashboard")


class DashboardView(FacilityStaffMixin, TemplateView):
    template_name = "facilities/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            roles=self.facility.roles_of(user),
            can_edit=permissions.can_edit_facility(user, self.facility),
            show_code=permissions.can_see_facility_code(user, self.facility),
            **self.application_context(),
            **kwargs,
        )

    def application_context(self):
        from applications import services as applications

        if not applications.application_is_open_for(self.facility):
            return {}
        from assessment.services import deadline_of

        application = applications.open_application(self.facility)
        opens_on = applications.reaccreditation_opens_on(self.facility)
        return {
            "application": application, "progress": applications.progress_of(application),
            "deadline": deadline_of(application), "reaccreditation_opens_on": opens_on,
            "can_reaccredit": bool(
                opens_on and opens_on <= timezone.localdate() and application.status == application.Status.APPROVED
                and permissions.can_submit_application(self.request.user, self.facility)
            ),
        }


class ProfileView(FacilityStaffMixin, TemplateView):
    template_name = "facilities/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        members = self.facility.memberships.select_related("user")
        return super().get_context_data(
            people=[(m.user, self.facility.roles_of(m.user)) for m in members],
            can_edit=permissions.can_edit_facility(user, self.facility),
            show_code=permissions.can_see_facility_code(user, self.facility),
            **kwargs,
        )


class FacilityProfileEditMixin:
    """Editing a facility's profile, shared by its staff and the office; changes are audited."""

    form_class = FacilityProfileForm
    template_name = "facilities/profile_form.html"

    def get_object(self, queryset=None):
        return self.facility

    def form_valid(self, form):
        services.update_facility_profile(self.facility, form, self.request.user)
        messages.success(self.request, _("The facility profile was updated."))
        return redirect(self.get_success_url())


class ProfileEditView(FacilityStaffMixin, FacilityProfileEditMixin, UpdateView):
    success_url = reverse_lazy("facilities:profile")

    def allowed(self, user):
        return permissions.can_edit_facility(user, self.facility)

    def get_context_data(self, **kwargs):
        return super().get_context_data(cancel_url=reverse("facilities:profile"), **kwargs)


class DirectoryView(ListView):
    """The public directory of enrolled and accredited centres."""

    template_name = "facilities/directory.html"

    def get_queryset(self):
        return Facility.objects.exclude(status=Facility.Status.REGISTERED).only(
            "name", "institution", "city", "country", "status", "award_expires_on"
        ).order_by("country", "name")
