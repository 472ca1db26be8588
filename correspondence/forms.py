from django import forms
from django.utils.translation import gettext_lazy as _

from accreditation.forms import PortalForm
from accreditation.uploads import validate_upload

from .models import MESSAGE_LIMIT, PublishedDocument


class MessageForm(PortalForm):
    body = forms.CharField(
        label=_("Your message"), max_length=MESSAGE_LIMIT, widget=forms.Textarea(attrs={"rows": 5})
    )


class UploadForm(PortalForm):
    """A document upload; ``kind`` holds the checked file's type once valid."""

    title = forms.CharField(label=_("Title"), max_length=200)
    upload = forms.FileField(
        label=_("File"), help_text=_("PDF, DOCX, XLSX, PNG or JPG."), allow_empty_file=True
    )

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.kind = validate_upload(upload)
        return upload


class PublishForm(UploadForm):
    category = forms.ChoiceField(label=_("Category"), choices=PublishedDocument.Category.choices)
    field_order = ["title", "category", "upload"]
