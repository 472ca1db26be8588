"""Facility staff's pages and the public registration."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.i18n import set_language
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView, UpdateView

from . import permissions, services
from .access import FacilityStaffMixin
from .forms import FacilityProfileForm, RoleAppointmentForm
from .models import Appointment, Enrolment, Facility, User, enrolments_with_programmes
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


@require_POST
def switch_language(request):
    """Django's set_language (the cookie, back to the page), and for a signed-in person the choice kept on their account."""
    if request.user.is_authenticated:
        services.set_account_language(request.user, request.POST.get("language", ""))
    return set_language(request)


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


class PeopleMixin:
    """The facility's people with their roles, and, for those who may manage them, the actions on them.

    The staff's and the office's pages share it; ``action_url(name, *args)`` and ``people_page_url()``
    lead to the audience's own URLs.
    """

    def people_context(self):
        can_manage = permissions.can_manage_people(self.request.user, self.facility)
        members = self.facility.memberships.select_related("user")
        return {
            "people": [
                (m.user, self.facility.roles_of(m.user), can_manage and self.action_url("remove_member", m.user_id))
                for m in members
            ],
            "can_manage_people": can_manage,
            "appoint_url": can_manage and self.action_url("appoint_role"),
            "new_code_url": can_manage and self.action_url("new_code"),
        }


class OwnFacilityMixin(FacilityStaffMixin):
    """A page of the signed-in person's own facility."""

    def action_url(self, name, *args):
        return reverse(f"facilities:{name}", args=args)

    def people_page_url(self):
        return reverse("facilities:profile")


class ProfileView(PeopleMixin, OwnFacilityMixin, TemplateView):
    template_name = "facilities/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        prefetch_related_objects([self.facility], enrolments_with_programmes())  # the profile's badges
        return super().get_context_data(
            can_edit=permissions.can_edit_facility(user, self.facility),
            show_code=permissions.can_see_facility_code(user, self.facility),
            **self.people_context(),
            **kwargs,
        )


class ManagePeopleMixin:
    """Changes to a facility's people and code: its authorised representative, its main account holder, the office."""

    def allowed(self, user):
        return permissions.can_manage_people(user, self.facility) and super().allowed(user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(cancel_url=self.people_page_url(), **kwargs)


class AppointRoleMixin(ManagePeopleMixin):
    """Another member takes over an appointed role; the holder is chosen from the facility's members only."""

    form_class = RoleAppointmentForm
    template_name = "facilities/appoint_role.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "facility": self.facility}

    def get_initial(self):
        return {"role": self.request.GET.get("role")}

    def get_context_data(self, **kwargs):
        holders = [(services.role_label(role), getattr(self.facility, role)) for role in services.APPOINTED_ROLES]
        return super().get_context_data(holders=holders, **kwargs)

    def form_valid(self, form):
        role, person = form.cleaned_data["role"], form.cleaned_data["person"]
        try:
            services.appoint_to_role(self.facility, role, person, self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(person)s is now the %(role)s.") % {"person": person, "role": services.role_label(role).lower()},
        )
        return redirect(self.people_page_url())


class RemoveMemberMixin(ManagePeopleMixin):
    """Removing a member asks for confirmation first; a holder of an appointed role is refused."""

    template_name = "facilities/remove_member.html"

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.person = get_object_or_404(User, membership__facility=self.facility, pk=kwargs["user_pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, roles=self.facility.roles_of(self.person), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.remove_member(self.facility, self.person, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(person)s no longer belongs to the facility.") % {"person": self.person})
        return redirect(self.people_page_url())


class NewFacilityCodeMixin(ManagePeopleMixin):
    """A new facility code, after confirmation: the old code stops admitting colleagues at once."""

    template_name = "facilities/new_code.html"

    def post(self, request, *args, **kwargs):
        services.issue_new_facility_code(self.facility, request.user)
        messages.success(request, _("A new facility code is issued; the old one no longer works."))
        return redirect(self.people_page_url())


class AppointRoleView(AppointRoleMixin, OwnFacilityMixin, FormView):
    pass


class RemoveMemberView(RemoveMemberMixin, OwnFacilityMixin, TemplateView):
    pass


class NewFacilityCodeView(NewFacilityCodeMixin, OwnFacilityMixin, TemplateView):
    pass


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
    """The public directory of enrolled and accredited centres: an entry for each programme a centre is enrolled in."""

    template_name = "facilities/directory.html"

    def get_queryset(self):
        entries = Enrolment.objects.in_public_directory().order_by("facility__name", "programme__name")
        # By country as the reader names it (the column holds codes); slugify files Ö with O, as readers expect.
        return sorted(entries, key=lambda entry: slugify(entry.facility.country.name))
