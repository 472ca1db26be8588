"""Validators for what people type into the portal's forms."""
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def single_line(value):
    """Refuse line breaks and other control characters in a one-line field (a name, a phone number).

    Such characters break e-mail headers, PDFs and CSV exports that print the value; a user never means them.
    """
    # Cc: control characters (CR, LF, TAB, NUL...); Zl, Zp: the Unicode line and paragraph separators.
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in str(value)):
        raise ValidationError(
            _("Please use a single line without line breaks or control characters."), code="single_line"
        )
