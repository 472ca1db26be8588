"""Forms of a pathway's expert steps: scheduling them, and what their experts record."""
from django import forms
from django.utils.translation import gettext_lazy as _

from accreditation.forms import PortalForm
from applications.models import PathwayStep
from facilities.models import User

from .models import StepOutcome

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MEET = [("met", _("Met")), ("not_met", _("Not met"))]


class ScheduleStepForm(PortalForm):
    expert = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Expert"), empty_label=_("Choose an assessor"),
                                    help_text=_("One of the application's assessors, with the expertise the step needs."))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = User.objects.filter(assignments__application=application).order_by(
            "assignments__slot")


class ScheduleSiteVisitForm(ScheduleStepForm):
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    agenda = forms.CharField(label=_("Agenda"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}),
                             help_text=_("What happens when, day by day; the facility reads it."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return cleaned


class ScheduleDosimetryAuditForm(ScheduleStepForm):
    performed_on = forms.DateField(label=_("Date of the measurements"), widget=DATE)


class ScheduleRemoteReviewForm(ScheduleStepForm):
    held_at = forms.DateTimeField(label=_("Date and time"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    video_link = forms.URLField(label=_("Video conference link"), assume_scheme="https")


SCHEDULE_FORMS = {
    PathwayStep.Kind.SITE_VISIT: ScheduleSiteVisitForm,
    PathwayStep.Kind.DOSIMETRY_AUDIT: ScheduleDosimetryAuditForm,
    PathwayStep.Kind.REMOTE_REVIEW: ScheduleRemoteReviewForm,
}


class SiteVisitFindingsForm(PortalForm):
    """A finding (met / not met, comment) per area of the step; the outcome only when an area is not met."""

    outcome = forms.ChoiceField(label=_("Outcome of the visit"), required=False, widget=forms.RadioSelect,
                                choices=StepOutcome.choices,
                                help_text=_("Only when an area is not met: all areas met, the visit is passed."))
    outcome_note = forms.CharField(label=_("Why"), required=False, max_length=10_000,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("Required when an area is not met."))

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = areas
        findings = {}
        for area in areas:
            findings[f"area_{area.number}"] = forms.ChoiceField(label=area.name, choices=MEET, widget=forms.RadioSelect)
            findings[f"comment_{area.number}"] = forms.CharField(
                label=_("Comment on %(area)s") % {"area": area.name}, required=False, max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Required when not met."))
        self.fields = {**findings, **self.fields}

    def clean(self):
        cleaned = super().clean()
        for area in self.areas:
            if cleaned.get(f"area_{area.number}") == "not_met" and not cleaned.get(f"comment_{area.number}", "").strip():
                self.add_error(f"comment_{area.number}", _("Say what was not met."))
        return cleaned

    def findings(self):
        """{FindingArea pk: (is_met, comment)} for steps.record_site_visit."""
        return {area.pk: (self.cleaned_data[f"area_{area.number}"] == "met", self.cleaned_data[f"comment_{area.number}"])
                for area in self.areas}


def dose_field(label):
    return forms.DecimalField(label=label, max_digits=7, decimal_places=3,
                              widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}))


def coordinate_field(label):
    return forms.DecimalField(label=label, required=False, max_digits=7, decimal_places=2,
                              widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))


class MeasurementForm(PortalForm):
    """Planned and measured dose, and optionally planned and measured position (x, y, z in mm)."""

    planned_dose_gy = dose_field(_("Planned dose (Gy)"))
    measured_dose_gy = dose_field(_("Measured dose (Gy)"))
    planned_x_mm = coordinate_field(_("Planned position x (mm)"))
    planned_y_mm = coordinate_field(_("Planned position y (mm)"))
    planned_z_mm = coordinate_field(_("Planned position z (mm)"))
    measured_x_mm = coordinate_field(_("Measured position x (mm)"))
    measured_y_mm = coordinate_field(_("Measured position y (mm)"))
    measured_z_mm = coordinate_field(_("Measured position z (mm)"))

    POSITION = [f"{which}_{axis}_mm" for which in ("planned", "measured") for axis in "xyz"]

    def clean_planned_dose_gy(self):
        dose = self.cleaned_data["planned_dose_gy"]
        if dose <= 0:
            raise forms.ValidationError(_("The planned dose must be more than 0 Gy."))
        return dose

    def clean_measured_dose_gy(self):
        dose = self.cleaned_data["measured_dose_gy"]
        if dose < 0:
            raise forms.ValidationError(_("A dose cannot be negative."))
        return dose

    def clean(self):
        cleaned = super().clean()
        given = [name for name in self.POSITION if cleaned.get(name) is not None]
        if given and len(given) < len(self.POSITION):
            for name in self.POSITION:
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Give all six coordinates, or none."))
        return cleaned


class DosimetryPointForm(MeasurementForm):
    label = forms.CharField(label=_("Measurement point"), max_length=100,
                            help_text=_("E.g. the target or the detector position."))
    field_order = ["label"]


class RemeasurementForm(MeasurementForm):
    justification = forms.CharField(label=_("Why it is measured again"), max_length=10_000,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("E.g. the detector was repositioned; the original measurement is kept."))
    field_order = ["justification"]


class RemoteReviewForm(PortalForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=StepOutcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("Required when the review is not passed: what the centre must improve."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") and cleaned["outcome"] != StepOutcome.PASSED and not cleaned.get("notes", "").strip():
            self.add_error("notes", _("Say what the centre must improve."))
        return cleaned
