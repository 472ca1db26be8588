from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accreditation.autosave import VersionField
from accreditation.forms import PortalForm

from .models import ReviewCase
from .services import read_eligible_records

# Primary sites IO services treat most often, offered as suggestions; any other text is accepted.
COMMON_PRIMARY_SITES = [
    _("Liver (hepatocellular carcinoma)"),
    _("Colorectal"),
    _("Bile ducts (cholangiocarcinoma)"),
    _("Kidney"),
    _("Lung"),
    _("Breast"),
    _("Neuroendocrine"),
    _("Pancreas"),
    _("Prostate"),
    _("Bone"),
    _("Soft tissue (sarcoma)"),
    _("Uveal melanoma"),
    _("Thyroid"),
    _("Stomach"),
]
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def _model_field(name, **kwargs):
    return ReviewCase._meta.get_field(name).formfield(**kwargs)


class CaseForm(PortalForm):
    """A case as entered by hand: only the record identifier is needed to start; the rest can follow."""

    record_identifier = _model_field("record_identifier")
    procedure_date = _model_field(
        "procedure_date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Within the 12 months before today."),
    )
    tumour_type = _model_field("tumour_type", widget=forms.TextInput(attrs={"list": "primary-sites"}))


class CaseChecklistForm(CaseForm):
    """One case with what its record holds. Unticked items are saved as missing; the case is complete once checked."""

    present_items = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("This item is not part of the minimum dataset any more; reload the page.")},
    )
    checked = forms.BooleanField(
        required=False, label=_("I have checked this record against every item of the minimum dataset."),
    )
    version = VersionField()

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present_items"].choices = [(item.pk, item.label) for item in items]

    @classmethod
    def for_case(cls, case, items, data=None):
        initial = {
            "record_identifier": case.record_identifier,
            "procedure_date": case.procedure_date,
            "tumour_type": case.tumour_type,
            "present_items": sorted(case.present),
            "checked": case.checked,
            "version": case.version,
        }
        return cls(data=data, initial=initial, items=items)

    def ticked(self):
        """The item ids the form shows ticked: the submitted ones, or the stored ones before any submission."""
        value = self["present_items"].value() or []
        known = {str(pk) for pk, _label in self.fields["present_items"].choices}
        return {int(pk) for pk in value if str(pk) in known}  # whatever else was posted is refused, never shown


class EligibleListForm(PortalForm):
    """The list of eligible records, uploaded or pasted; it is read, never stored."""

    records_file = forms.FileField(
        label=_("CSV file of eligible records"), required=False,
        help_text=_("Columns record_identifier, procedure_date (YYYY-MM-DD), tumour_type, with a header row."),
    )
    records_text = forms.CharField(
        label=_("Or paste the list"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "record_identifier,procedure_date,tumour_type"}),
    )

    def list_date(self, cleaned):
        """The day whose 12-month window the list is checked against: today."""
        return None

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("records_file"), cleaned.get("records_text", "")
        if upload and text.strip():
            raise forms.ValidationError(_("Upload a file or paste the list, not both."))
        if upload:
            field, text = "records_file", self._read_upload(upload)
        elif text.strip():
            field = "records_text"
        else:
            raise forms.ValidationError(_("Upload the CSV file of eligible records or paste the list."))
        if text is not None:
            try:
                cleaned["records"] = read_eligible_records(text, today=self.list_date(cleaned))
            except forms.ValidationError as error:
                self.add_error(field, error)
        return cleaned

    def _read_upload(self, upload):
        if upload.size > MAX_UPLOAD_BYTES:
            self.add_error("records_file", _("The file is larger than 2 MB; a year's list of procedures is far smaller."))
            return None
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("records_file", _("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."))
            return None


class DrawForm(EligibleListForm):
    """The facility's draw: the list only. The portal chooses the seed; a draw after the first needs a reason."""

    reason = forms.CharField(
        label=_("Why the cases are drawn again"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The office and the assessors read it, with every earlier draw."),
    )

    def __init__(self, *args, redraw=False, **kwargs):
        super().__init__(*args, **kwargs)
        if redraw:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class RepeatDrawForm(EligibleListForm):
    """An auditor's repeat of a recorded draw: which draw, the same list, and the seed (the recorded one by default)."""

    field_order = ["draw", "records_file", "records_text", "seed"]

    draw = forms.ModelChoiceField(queryset=None, label=_("Draw to repeat"), empty_label=None)
    seed = forms.IntegerField(
        label=_("Seed (optional)"), required=False, min_value=0, max_value=2**63 - 1,
        help_text=_("Leave empty to use the seed recorded with the draw."),
    )

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        draws = review.draws.select_related("drawn_by").order_by("-number")
        self.fields["draw"].queryset = draws
        self.fields["draw"].initial = draws.first()
        self.fields["draw"].label_from_instance = lambda draw: _(
            "Draw %(number)d of %(when)s: %(size)d records, seed %(seed)d"
        ) % {"number": draw.number, "when": formats.date_format(timezone.localtime(draw.drawn_at), "j M Y"),
             "size": draw.list_size, "seed": draw.seed}

    def list_date(self, cleaned):
        """The draw's own day: the list was checked against the 12 months before it then."""
        draw = cleaned.get("draw")
        return timezone.localdate(draw.drawn_at) if draw else None
