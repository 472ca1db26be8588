"""Money in the reader's language: Django formats dates and numbers per locale, Babel knows currencies."""
from functools import lru_cache

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale


def format_money(amount, currency):
    """1234.5 EUR -> "€1,234.50" in English, "1.234,50 €" in German, "1 234,50 €" in French."""
    return _formatted(amount, currency, to_locale(get_language() or settings.LANGUAGE_CODE))


# Babel takes about 200 calls an amount; fees follow a short schedule, so a page of invoices repeats a few amounts.
@lru_cache(maxsize=4096)
def _formatted(amount, currency, locale):
    return format_currency(amount, currency, locale=locale)
