"""The public registration: a facility chooses its programme, then gives its profile, its people, and what the
programme asks of it. It composes facilities (the facility and its people) and applications (the programme's
registration requirements and the facility's declarations) in one transaction. A registered facility enrols in
further programmes the same way, without its profile and people."""
from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from accreditation.forms import PortalForm
from applications import services as applications
from applications.forms import RegistrationRequirementsForm
from applications.models import Programme
from facilities import permissions
from facilities import services as facilities
from facilities.access import FacilityStaffMixin
from facilities.forms import FacilityRegistrationForm
from invoicing.models import ProgrammeFees


def open_programmes():
    return Programme.objects.filter(is_open_for_registration=True).prefetch_related("registration_requirements")


class ProgrammeChoiceForm(PortalForm):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=None,
        help_text=_("The accreditation programme your facility enrols in."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = open_programmes()


class ChooseProgrammeView(FormView):
    """The first step: which programme. The form then asks that programme's requirements only."""

    template_name = "facilities/register_choose.html"
    form_class = ProgrammeChoiceForm

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid() and "name" in request.POST:
            # This address used to take the whole registration with the programme as a field: such a post
            # (a page open in a browser since, a script) still registers, with the programme it named.
            return RegisterFacilityView.as_view()(request, code=form.cleaned_data["programme"].code)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_valid(self, form):
        return redirect("register_for_programme", code=form.cleaned_data["programme"].code)

    def get_context_data(self, **kwargs):
        return super().get_context_data(programmes=open_programmes(), **kwargs)


class RegisterFacilityView(TemplateView):
    """The facility, its appointed people and the chosen programme's requirements; nothing is saved unless all are met."""

    template_name = "facilities/register.html"

    def dispatch(self, request, *args, **kwargs):
        self.programme = get_object_or_404(Programme, code=kwargs["code"], is_open_for_registration=True)
        return super().dispatch(request, *args, **kwargs)

    def forms(self):
        data = self.request.POST if self.request.method == "POST" else None
        return (
            FacilityRegistrationForm(data),
            RegistrationRequirementsForm(data, programme=self.programme),
        )

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"], kwargs["requirements"] = self.forms()
        return super().get_context_data(programme=self.programme, **kwargs)

    def post(self, request, *args, **kwargs):
        form, requirements = self.forms()
        if not all([form.is_valid(), requirements.is_valid()]):  # both checked: every error shows at once
            return self.render_to_response(self.get_context_data(form=form, requirements=requirements))
        # Counted per address (settings.ACCOUNT_RATE_LIMITS), only for registrations that would be made.
        if not ratelimit.consume(request, action="register_facility"):
            return ratelimit.respond_429(request)
        facility = facilities.register_facility(
            request, form, self.programme,
            declare=lambda facility: applications.record_declarations(facility, self.programme, requirements.declarations()),
        )
        request.session["registered_facility"] = facility.name
        return redirect("registered")


class AddEnrolmentMixin(FacilityStaffMixin):
    """A facility already registered enrols in a further programme: its authorised representative chooses it."""

    def allowed(self, user):
        return permissions.can_add_enrolment(user, self.facility)

    def available(self):
        return facilities.programmes_open_to(self.facility, open_programmes())


class ChooseFurtherProgrammeView(AddEnrolmentMixin, TemplateView):
    template_name = "facilities/add_enrolment_choose.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(programmes=self.available(), **kwargs)


class AddEnrolmentView(AddEnrolmentMixin, FormView):
    """What the programme asks of a facility, and its enrolment fee; nothing is saved unless every requirement is met.

    The page says what enrolling costs, so the button is the confirmation."""

    template_name = "facilities/add_enrolment.html"

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.programme = get_object_or_404(self.available(), code=kwargs["code"])

    def get_form(self, form_class=None):
        return RegistrationRequirementsForm(self.request.POST if self.request.method == "POST" else None,
                                            programme=self.programme)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            programme=self.programme, fees=ProgrammeFees.objects.filter(programme=self.programme).first(), **kwargs)

    def form_valid(self, form):
        try:
            facilities.add_enrolment(
                self.facility, self.programme, self.request.user,
                declare=lambda facility: applications.record_declarations(facility, self.programme, form.declarations()),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s is registered for %(programme)s. Its enrolment invoice has been "
                                         "issued; paying it opens the application.")
                         % {"name": self.facility.name, "programme": self.programme.name})
        return redirect("facilities:dashboard")
