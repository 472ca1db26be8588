from allauth.account.forms import SignupForm
from allauth.account.models import EmailAddress
from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accreditation.forms import PortalFormMixin, PortalModelForm
from applications.models import Programme

from . import services
from .models import Facility, User

MINIMUM_ANNUAL_PROCEDURES = 150

PROFILE_FIELDS = [
    "name", "institution", "service_line", "address", "postal_code", "city", "country", "phone", "annual_procedures",
]


class FacilityProfileForm(PortalModelForm):
    class Meta:
        model = Facility
        fields = PROFILE_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_annual_procedures(self):
        count = self.cleaned_data["annual_procedures"]
        if count < MINIMUM_ANNUAL_PROCEDURES:
            raise forms.ValidationError(
                _("Enrolment requires at least %(minimum)d therapeutic IO procedures a year."),
                params={"minimum": MINIMUM_ANNUAL_PROCEDURES},
            )
        return count


class FacilityRegistrationForm(FacilityProfileForm):
    authorised_representative_email = forms.EmailField(
        label=_("Authorised representative's e-mail"),
        help_text=_("Formally responsible for the application; the only person who can submit it."),
    )
    deputy_representative_email = forms.EmailField(
        label=_("Deputy authorised representative's e-mail"),
        help_text=_("Works on the application and sees invoices."),
    )
    main_account_holder_email = forms.EmailField(
        label=_("Main account holder's e-mail"),
        help_text=_("Keeps up correspondence with the office. One person may hold several of these roles."),
    )

    class Meta(FacilityProfileForm.Meta):
        fields = ["programme"] + PROFILE_FIELDS + ["head_of_department_approval"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        programmes = Programme.objects.filter(is_open_for_registration=True)
        self.fields["programme"].queryset = programmes
        self.fields["programme"].empty_label = None
        self.fields["programme"].help_text = _("The accreditation programme your facility enrols in.")
        self.initial.setdefault("programme", programmes.filter(code="io").values_list("pk", flat=True).first())
        self.fields["head_of_department_approval"].required = True
        self.fields["head_of_department_approval"].help_text = _(
            "Registration needs the approval of your head of department or hospital director."
        )

    role_email_fields = ["authorised_representative_email", "deputy_representative_email", "main_account_holder_email"]

    def clean(self):
        cleaned = super().clean()
        for field in self.role_email_fields:
            email = cleaned.get(field)
            if not email:
                continue
            email = email.strip().lower()
            cleaned[field] = email
            if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
                self.add_error(field, _("An account with this e-mail address already exists."))
        return cleaned


class StaffSignupForm(PortalFormMixin, SignupForm):
    """allauth's sign-up, plus the facility code that attaches the new account to its facility."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
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
            services.join_facility(user, self.facility)
        return user
