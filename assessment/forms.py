from django import forms
from django.conf import settings
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accreditation.forms import PortalForm, PortalModelForm

from accreditation.uploads import validate_upload
from facilities.models import User

from .models import AssessorProfile, Audit, CorrectiveAction, Decision, PlanReview, Recommendation, Verdict
from .services import check_audit_date


class AssignAssessorsForm(PortalForm):
    first = forms.ModelChoiceField(queryset=User.objects.none(), label=_("First assessor"), empty_label=_("Choose an assessor"))
    second = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Second assessor"), empty_label=_("Choose an assessor"))

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        # Assessors of the assessed facility are never offered (the service refuses them too).
        assessors = User.objects.filter(is_assessor=True).exclude(membership__facility=facility)
        self.fields["first"].queryset = assessors
        self.fields["second"].queryset = assessors

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("first") and cleaned.get("first") == cleaned.get("second"):
            self.add_error("second", _("Choose two different assessors."))
        return cleaned


class ReplaceAssessorForm(PortalForm):
    assessor = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Replacement assessor"),
                                      empty_label=_("Choose an assessor"))

    def __init__(self, *args, facility, staying, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = User.objects.filter(is_assessor=True).exclude(
            membership__facility=facility).exclude(pk__in=staying)


class DeclineForm(PortalForm):
    reason = forms.CharField(label=_("Why you decline"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("The office reads it, the facility does not."))


class AssessorProfileForm(PortalModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages you assess in"), choices=settings.LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AssessorProfile
        # Conflicts with single facilities are set by the office (the admin): the facility list is not the assessors' to read.
        fields = ["programmes", "expertise", "languages", "country", "institution", "capacity", "conflict_institutions",
                  "conflict_countries"]
        widgets = {
            "programmes": forms.CheckboxSelectMultiple, "expertise": forms.CheckboxSelectMultiple,
            "conflict_institutions": forms.Textarea(attrs={"rows": 3}),
            "conflict_countries": forms.SelectMultiple(attrs={"size": 8}),
        }


class UnavailabilityForm(PortalForm):
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("A period of unavailability ends on or after the day it starts."))
        return cleaned


class BaseUnavailabilityFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": _("The list of periods arrived incomplete. Please enter the periods again."),
    }

    def periods(self):
        """(from, to, note) of the filled rows not marked for removal."""
        return [(f.cleaned_data["starts_on"], f.cleaned_data["ends_on"], f.cleaned_data.get("note", ""))
                for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


UnavailabilityFormSet = formset_factory(UnavailabilityForm, formset=BaseUnavailabilityFormSet, extra=2, can_delete=True)


class VerdictForm(PortalForm):
    outcome = forms.ChoiceField(label=_("Verdict"), choices=Verdict.Outcome.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment for the facility"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required unless the criterion is met; the facility reads it once both assessors have finished."),
    )


class ReplyForm(PortalForm):
    text = forms.CharField(label=_("Your reply"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(
        label=_("Evidence (optional)"), required=False,
        help_text=_("PDF, DOCX, XLSX, PNG or JPG. Seen by your assessors and the office only."),
    )

    def clean_evidence(self):
        evidence = self.cleaned_data["evidence"]
        if evidence:
            validate_upload(evidence)
        return evidence


def radios_without_blank(model_field, **kwargs):
    """A radio list offers only real choices: a pre-selected "---------" radio would read as an answer given."""
    widget = kwargs.get("widget")
    if model_field.choices and (widget is forms.RadioSelect or isinstance(widget, forms.RadioSelect)):
        kwargs["choices"] = model_field.get_choices(include_blank=False)
    return model_field.formfield(**kwargs)


class RecommendationForm(PortalModelForm):
    class Meta:
        formfield_callback = radios_without_blank
        model = Recommendation
        fields = ["outcome", "justification"]
        widgets = {"outcome": forms.RadioSelect, "justification": forms.Textarea(attrs={"rows": 4})}


class DecisionForm(PortalForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    tier = forms.ChoiceField(label=_("Award granted by an approval"), required=False, widget=forms.RadioSelect)
    tier_reason = forms.CharField(
        label=_("Why the lower award only"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when an approval grants the lower award; the facility reads it."),
    )
    report = forms.CharField(
        label=_("Report of what is missing"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Required for a deferral or denial; the facility receives it."),
    )
    rationale = forms.CharField(
        label=_("Rationale"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the decision departs from both assessors' recommendations; "
                    "the office and the assessors read it, the facility does not."),
    )
    early_reason = forms.CharField(
        label=_("Reason for deciding before the review rounds and remote audit"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a deferral or denial now; the facility, the office and the assessors read it."),
    )

    def __init__(self, *args, tiers=None, early_reason_needed=False, **kwargs):
        """``tiers``: (sought, base) when the application seeks the higher award, else None (no award choice)."""
        super().__init__(*args, **kwargs)
        if tiers is None:
            del self.fields["tier"], self.fields["tier_reason"]
        else:
            sought, base = tiers
            self.fields["tier"].choices = [(sought.code, sought.title),
                                           (base.code, _("%(award)s only") % {"award": base.title})]
        if not early_reason_needed:
            del self.fields["early_reason"]


class AuditForm(PortalModelForm):
    video_link = forms.URLField(label=_("Video conference link"), required=False, assume_scheme="https")

    class Meta:
        model = Audit
        fields = ["scheduled_for", "video_link", "participants"]
        widgets = {
            "scheduled_for": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "participants": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["video_link"].required = kind == Audit.Kind.REMOTE
        if kind == Audit.Kind.ON_SITE:
            self.fields["participants"].label = _("Auditors")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scheduled_for"):
            check_audit_date(cleaned["scheduled_for"])
        return cleaned


class AuditOutcomeForm(PortalForm):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 5}))


class ActionPlanForm(PortalForm):
    declined_criteria = forms.CharField(label=_("Declined criteria"), widget=forms.Textarea(attrs={"rows": 2}))
    issue_description = forms.CharField(label=_("Issue description"), widget=forms.Textarea(attrs={"rows": 4}))
    desired_outcome = forms.CharField(label=_("Desired outcome"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectiveActionForm(PortalModelForm):
    class Meta:
        model = CorrectiveAction
        fields = ["strategic_action", "person_responsible", "resources_required", "due_date", "comments"]
        widgets = {
            "strategic_action": forms.Textarea(attrs={"rows": 2}),
            "resources_required": forms.Textarea(attrs={"rows": 2}),
            "comments": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
        }


class BaseCorrectiveActionFormSet(forms.BaseFormSet):
    """The plan's actions; its messages speak of actions, not of forms."""

    default_error_messages = {
        "missing_management_form": _("The list of actions arrived incomplete. Please enter the actions again."),
        "too_few_forms": ngettext_lazy(
            "Add at least %(num)d action to the plan.", "Add at least %(num)d actions to the plan.", "num"
        ),
        "too_many_forms": ngettext_lazy(
            "A plan holds at most %(num)d action.", "A plan holds at most %(num)d actions.", "num"
        ),
    }


CorrectiveActionFormSet = formset_factory(
    CorrectiveActionForm, formset=BaseCorrectiveActionFormSet, extra=3, min_num=1, validate_min=True
)


class PlanReviewForm(PortalModelForm):
    class Meta:
        formfield_callback = radios_without_blank
        model = PlanReview
        fields = ["outcome", "comment"]
        widgets = {"outcome": forms.RadioSelect, "comment": forms.Textarea(attrs={"rows": 3})}
