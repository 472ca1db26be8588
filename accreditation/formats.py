"""Money in the reader's language: Django formats dates and numbers per locale, Babel knows currencies."""
from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale


def format_money(amount, currency):
    """1234.5 EUR -> "€1,234.50" in English, "1.234,50 €" in German, "1 234,50 €" in French."""
    return format_currency(amount, currency, locale=to_locale(get_language() or settings.LANGUAGE_CODE))
