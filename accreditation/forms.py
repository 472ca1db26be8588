"""What every form of the portal shares: text fields refuse control characters.

A name, title or reference is one line: a line break or an invisible control character in it breaks
e-mail subjects, PDFs and exports later, far from where it was typed. Multi-line fields (textareas)
keep their line breaks and tabs and refuse the other control characters.
"""
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 and C1 control characters, DEL, and Unicode's own line and paragraph separators.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_CHARACTERS_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(value):
    """A one-line value: no line break, tab or other control character."""
    if CONTROL_CHARACTERS.search(str(value)):
        raise ValidationError(
            _("Enter this on one line, without line breaks, tabs or invisible control characters."),
            code="control_characters",
        )


def refuse_control_characters_in_text(value):
    """A multi-line value: line breaks and tabs are fine, other control characters are not."""
    if CONTROL_CHARACTERS_IN_TEXT.search(str(value)):
        raise ValidationError(_("Remove the invisible control characters from this text."), code="control_characters")


GUARDS = (refuse_control_characters, refuse_control_characters_in_text)


def guard_text_fields(form):
    """Add the control-character check to every text field of ``form``: one line unless it is a textarea."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and not any(guard in field.validators for guard in GUARDS):
            multi_line = isinstance(field.widget, forms.Textarea)
            field.validators.append(refuse_control_characters_in_text if multi_line else refuse_control_characters)


class PortalFormMixin:
    """Base of every portal form (tests/test_malformed_input.py checks that each form uses it).

    The fields are guarded when the form is validated, so fields a form adds in its own __init__ are too.
    """

    def full_clean(self):
        guard_text_fields(self)
        super().full_clean()


class PortalForm(PortalFormMixin, forms.Form):
    pass


class PortalModelForm(PortalFormMixin, forms.ModelForm):
    pass
