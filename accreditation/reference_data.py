"""Reference data files in every language: <name>.json holds the English, <name>.<code>.json beside it another language.

A language of settings.LANGUAGES with such a file gets its text loaded; one without falls back to the English.
So a further language is its catalogue and its data files, no code (its columns come from makemigrations).
"""
import json

from django.conf import settings


def read_translations(english_file):
    """{language code: data} for each language of settings.LANGUAGES that has a file beside the English one."""
    files = {code: english_file.with_suffix(f".{code}.json") for code, _ in settings.LANGUAGES}
    return {code: json.loads(file.read_text(encoding="utf-8")) for code, file in files.items() if file.exists()}


def localised(model, field, texts):
    """Keyword arguments giving a translated field its text in each language the model has a column for.

    texts maps language codes to text, the default language's always present; a language without text gets
    None (not the field's default, which is English), so it falls back to the English visibly. A data
    migration's older model has no column per language yet: it gets the one column, in the default language.
    """
    columns = {f.name for f in model._meta.get_fields()}
    default = settings.LANGUAGE_CODE
    if f"{field}_{default}" not in columns:
        return {field: texts[default]}
    return {
        f"{field}_{code}": texts[default] if code == default else texts.get(code) or None
        for code, _ in settings.LANGUAGES
        if f"{field}_{code}" in columns
    }


def localised_fields(model, texts_by_field):
    """localised() for several fields: {field: {language: text}} to keyword arguments."""
    return {column: text for field, texts in texts_by_field.items() for column, text in localised(model, field, texts).items()}


def fill_texts(row, texts_by_field):
    """Give an existing row the text of each language it has none in yet; what the office wrote stays. Saves."""
    changed = []
    for field, texts in texts_by_field.items():
        for column, text in localised(type(row), field, texts).items():
            if text and not getattr(row, column):
                setattr(row, column, text)
                changed.append(column)
    if changed:
        row.save(update_fields=changed)
