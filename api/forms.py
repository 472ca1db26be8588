from django import forms
from django.utils.translation import gettext_lazy as _

from accreditation.forms import PortalForm

from .models import ApiToken


class CreateTokenForm(PortalForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=ApiToken._meta.get_field("name").help_text)
    expires_on = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=ApiToken._meta.get_field("expires_on").help_text,
    )
