from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from accreditation.autosave import VersionField
from accreditation.forms import PortalForm

from .models import ANSWER_TEXT_LIMIT, Answer, DepartmentChange


class LimitedText(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            strip=False,
            max_length=ANSWER_TEXT_LIMIT,
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={"max_length": _("Keep this under %(limit_value)d characters (it has %(show_value)d).")},
            **kwargs,
        )


class AnswerForm(PortalForm):
    """One question's answer. Blank parts are allowed: a half-written answer is saved, only incomplete."""

    choice = forms.ChoiceField(
        label=_("Answer"),
        choices=Answer.Choice.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose Yes or No.")},
    )
    evidence = LimitedText(label=_("Evidence you can show the assessors"))
    explanation = LimitedText(label=_("Explanation"))
    version = VersionField()

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        prefix = f"q{question.number}"
        self.auto_id = f"id_{prefix}_%s"
        self.fields["evidence"].help_text = question.evidence_help
        if question.asks_explanation:
            self.fields["explanation"].label = question.explanation_prompt
        else:
            del self.fields["explanation"]

    @classmethod
    def for_answer(cls, question, answer, data=None):
        initial = {"choice": "", "evidence": "", "explanation": "", "version": 0}
        if answer is not None:
            initial = {
                "choice": answer.choice,
                "evidence": answer.evidence,
                "explanation": answer.explanation,
                "version": answer.version,
            }
        return cls(data=data, initial=initial, question=question)


class ReaccreditationForm(PortalForm):
    seeks_excellence = forms.BooleanField(required=False)

    department_changed = forms.TypedChoiceField(
        label=_("Has your department changed substantially since your last assessment?"),
        choices=[("no", _("No: the same equipment, team and technique")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        error_messages={"required": _("Say whether your department has changed.")},
    )
    department_changes = forms.MultipleChoiceField(
        label=_("What has changed"), choices=DepartmentChange.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A substantial change in any of these calls for the programme's full assessment again."),
    )
    department_changes_described = LimitedText(label=_("Describe the changes"))

    def __init__(self, *args, excellence_tier=None, excellence_refusal=None, **kwargs):
        """The choice is offered when the programme has a tier judged on the extended criteria, disabled with the
        reason while the facility may not seek it."""
        super().__init__(*args, **kwargs)
        if excellence_tier is None:
            del self.fields["seeks_excellence"]
            return
        field = self.fields["seeks_excellence"]
        field.label = _("Apply for %(award)s") % {"award": excellence_tier.title}
        field.help_text = excellence_refusal or _(
            "After a full award period, a centre meeting every extended criterion as well can be recognised as %(award)s."
        ) % {"award": excellence_tier.title}
        if excellence_refusal:
            # Shown disabled; a value posted anyway reaches the service, which refuses it with the same reason.
            field.widget.attrs["disabled"] = True

    def clean(self):
        data = super().clean()
        if data.get("department_changed"):
            if not data.get("department_changes"):
                self.add_error("department_changes", _("Tick what has changed."))
            if not data.get("department_changes_described", "").strip():
                self.add_error("department_changes_described", _("Describe the changes."))
        elif data.get("department_changed") is False and data.get("department_changes"):
            self.add_error("department_changes", _("You said nothing has changed: untick these, or answer Yes above."))
        data.pop("department_changed", None)
        if not data.get("department_changes"):
            data["department_changes_described"] = ""
        return data


class RegistrationRequirementsForm(PortalForm):
    """A programme's registration requirements as fields, checked here (on the server): unmet, nothing is saved.

    Each field is named by its requirement's code, which the registration form's own fields never take
    (RegistrationRequirement.clean).
    """

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.requirements = list(programme.registration_requirements.all())
        for requirement in self.requirements:
            self.fields[requirement.code] = requirement_field(requirement)

    def clean(self):
        cleaned = super().clean()
        for requirement in self.requirements:
            value = cleaned.get(requirement.code)
            if requirement.kind == requirement.Kind.MINIMUM and value is not None and value < requirement.minimum:
                self.add_error(requirement.code, requirement.with_minimum(requirement.unmet_message))
        return cleaned

    def declarations(self):
        """(requirement, value) for each requirement, once the form is valid."""
        return [(requirement, self.cleaned_data[requirement.code]) for requirement in self.requirements]


def requirement_field(requirement):
    """The form field asking one requirement; leaving it empty (or unticked) is refused with its unmet message."""
    Kind = requirement.Kind
    options = {
        "label": requirement.label,
        # The office's help text is plain text: the field template shows help as HTML.
        "help_text": escape(requirement.with_minimum(requirement.help_text)),
        "error_messages": {"required": requirement.with_minimum(requirement.unmet_message)},
    }
    if requirement.kind == Kind.MINIMUM:
        return forms.IntegerField(min_value=0, max_value=1_000_000, **options)
    if requirement.kind == Kind.CONFIRMATION:
        return forms.BooleanField(**options)
    return forms.CharField(max_length=500, **options)
