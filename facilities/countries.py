"""Countries as ISO 3166-1 codes (django-countries), named in the reader's language.

The office searches facilities by a country's name in its own language or in English; names written before
the portal stored codes are read in any language of the portal (facilities migration 0005).
"""
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django_countries import countries

# Names people write that are no country's name in the ISO list, in any of the portal's languages.
OTHER_NAMES = {
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "grossbritannien": "GB", "england (uk)": "GB",
    "usa": "US", "u.s.a.": "US", "united states": "US", "america": "US", "vereinigte staaten": "US",
    "holland": "NL", "the netherlands": "NL", "czech republic": "CZ", "tschechische republik": "CZ",
    "russia": "RU", "russland": "RU", "south korea": "KR", "korea": "KR", "türkei": "TR", "turkey": "TR",
}


def country_code(name):
    """The ISO code of a country written by name (or already as a code) in any language of the portal; "" if none."""
    name = name.strip()
    if name.upper() in dict(countries):
        return name.upper()
    for language, _ in settings.LANGUAGES:
        code = countries.by_name(name, language=language)
        if code:
            return code
    return OTHER_NAMES.get(name.lower(), "")


def countries_matching(query):
    """The codes of every country whose name, in the reader's language or in English, contains the query."""
    query = query.strip().lower()
    codes = set()
    for language in {translation.get_language() or settings.LANGUAGE_CODE, settings.LANGUAGE_CODE}:
        with translation.override(language):
            codes.update(code for code, name in countries if query in str(name).lower())
    return codes


@lru_cache(maxsize=1024)
def country_name(code, language):
    """A country's name in ``language``, which must be the active one (it is the cache's key): for long lists."""
    return str(countries.name(code))
