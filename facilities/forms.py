from allauth.account.forms import ResetPasswordKeyForm, SignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accreditation.forms import PortalForm, PortalFormMixin, PortalModelForm

from . import services
from .models import Facility, User

PROFILE_FIELDS = ["name", "institution", "service_line", "address", "postal_code", "city", "country", "phone"]


class FacilityProfileForm(PortalModelForm):
    class Meta:
        model = Facility
        fields = PROFILE_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


ROLE_HELP = {
    "authorised_representative": _("Formally responsible for the application; the only person who can submit it."),
    "deputy_representative": _("Works on the application and sees invoices."),
    "main_account_holder": _("Keeps up correspondence with the office and receives the facility code."),
}


def person_name_field(label):
    return forms.CharField(label=label, max_length=150)


def person_phone_field(label=_("Phone")):
    return forms.CharField(label=label, max_length=40)


def appointed_person_fields():
    """First name, last name, e-mail and phone for each appointed role, in the order the form shows them."""
    fields = {}
    for role, label in Facility.ROLES.items():
        fields[f"{role}_first_name"] = person_name_field(_("First name of the %(role)s") % {"role": label})
        fields[f"{role}_last_name"] = person_name_field(_("Last name of the %(role)s") % {"role": label})
        fields[f"{role}_email"] = forms.EmailField(label=_("E-mail of the %(role)s") % {"role": label})
        fields[f"{role}_phone"] = person_phone_field(_("Phone of the %(role)s") % {"role": label})
    return fields


def registration_field_names():
    """The names the registration form's own fields take: a programme's requirements must use others."""
    return {"programme", *PROFILE_FIELDS, *appointed_person_fields()}


class FacilityRegistrationForm(FacilityProfileForm):
    """The facility's profile and the people appointed to its three roles (one person may hold several).

    The programme is chosen before (the page's address); what the programme asks of a facility is its own form,
    which the page composing the registration shows beside this one.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(appointed_person_fields())

    def clean(self):
        """One e-mail address is one person: given for several roles, it must come with the same name.

        Whether an address already has an account is deliberately not checked here: the page must not
        reveal it (services.register_facility tells the account's owner by e-mail instead).
        """
        cleaned = super().clean()
        names = {}
        for role in Facility.ROLES:
            email = cleaned.get(f"{role}_email")
            if not email:
                continue
            cleaned[f"{role}_email"] = email = email.strip().lower()
            name = (cleaned.get(f"{role}_first_name"), cleaned.get(f"{role}_last_name"))
            if names.setdefault(email, name) != name:
                self.add_error(
                    f"{role}_email", _("This e-mail address is given above with another name: one address is one person.")
                )
        return cleaned

    def person_fieldsets(self):
        """(legend, help text, bound fields) for each appointed role, for the page to group them."""
        return [
            (label, ROLE_HELP[role], [self[f"{role}_{part}"] for part in ("first_name", "last_name", "email", "phone")])
            for role, label in Facility.ROLES.items()
        ]

    def facility_fields(self):
        return [self[name] for name in self._meta.fields]

    def appointed_people(self):
        """Each person named, once, with the roles given to their address: a list of dicts."""
        people = {}
        for role in Facility.ROLES:
            email = self.cleaned_data[f"{role}_email"]
            person = people.setdefault(email, {
                "email": email,
                "first_name": self.cleaned_data[f"{role}_first_name"],
                "last_name": self.cleaned_data[f"{role}_last_name"],
                "phone": self.cleaned_data[f"{role}_phone"],
                "roles": [],
            })
            person["roles"].append(role)
        return list(people.values())


class ActivationForm(PortalFormMixin, ResetPasswordKeyForm):
    """allauth's password-from-link form; for an account not yet activated it also asks the person's name and phone.

    Activation is one step: the link proves the e-mail address, the person chooses a password, checks
    the name given at registration, and takes up the roles they were appointed to.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.activating = self.user is not None and not self.user.has_usable_password()
        if self.activating:
            self.fields = {
                "first_name": person_name_field(_("First name")),
                "last_name": person_name_field(_("Last name")),
                "phone": person_phone_field(),
                **self.fields,
            }
            for name in ("first_name", "last_name", "phone"):
                self.fields[name].initial = getattr(self.user, name)
            self.fields["password1"].label = _("Choose a password")
            self.fields["password2"].label = _("Password (again)")

    def save(self):
        if not self.activating:
            return super().save()
        data = self.cleaned_data
        services.activate_account(
            self.user, password=data["password1"],
            first_name=data["first_name"], last_name=data["last_name"], phone=data["phone"],
        )
        # allauth signs in this same instance: it must carry the new password, or the session is void.
        self.user.refresh_from_db()


class StaffSignupForm(PortalFormMixin, SignupForm):
    """allauth's sign-up, plus the facility code that attaches the new account to its facility."""

    first_name = person_name_field(_("First name"))
    last_name = person_name_field(_("Last name"))
    facility_code = forms.CharField(
        label=_("Facility code"),
        max_length=20,
        help_text=_("The code in your facility's registration e-mail; ask your main account holder for it."),
    )
    field_order = ["first_name", "last_name", "email", "facility_code", "password1", "password2"]

    def clean_facility_code(self):
        code = self.cleaned_data["facility_code"].strip().upper().replace(" ", "")
        if len(code) == 12 and "-" not in code:
            code = "-".join(code[i : i + 4] for i in range(0, 12, 4))
        facility = Facility.objects.filter(code=code).first()
        if facility is None:
            raise forms.ValidationError(_("No facility has this code. Check it against your registration e-mail."))
        self.facility = facility
        return code

    def save(self, request):
        with transaction.atomic():
            user = super().save(request)
            services.join_facility(user, self.facility, self.cleaned_data["facility_code"])
        return user

    def try_save(self, request):
        """The code was replaced between checking the form and saving it: nothing is created, the form says why."""
        try:
            return super().try_save(request)
        except ValidationError as error:
            self.add_error("facility_code", error)
            return None, TemplateResponse(request, "account/signup.html", {"form": self})


class RoleAppointmentForm(PortalForm):
    """Which appointed role passes to which member of the facility."""

    role = forms.ChoiceField(label=_("Role"), choices=[])
    person = forms.ModelChoiceField(label=_("New holder"), queryset=User.objects.none(), empty_label=_("(choose a member)"))

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, services.role_label(role)) for role in services.APPOINTED_ROLES]
        self.fields["person"].queryset = User.objects.filter(membership__facility=facility)
        self.fields["person"].label_from_instance = lambda user: f"{user} <{user.email}>" if user.get_full_name() else user.email
