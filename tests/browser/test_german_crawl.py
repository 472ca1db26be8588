"""Every main page of every role, read in German, shows no English sentence of the interface's catalogue, and
addresses the reader as "Sie".

The question bank and other reference data are English data until they are translated; the check is
the catalogue's own text: any msgid German translates differently must not reach a German page.
"""
import re
from pathlib import Path

import allauth
import pytest
from babel.messages.pofile import read_po

from facilities.models import User
from tests.browser.conftest import reauthenticate_on, sign_in_on
from tests.browser.test_accessibility_crawl import DESKTOP, pages_of, user_of, world  # noqa: F401 (a fixture)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The portal's catalogue and django-allauth's (its account pages).
CATALOGUES = [
    Path(__file__).resolve().parents[2] / "locale" / "de" / "LC_MESSAGES" / "django.po",
    Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}")
# The portal addresses people formally (Sie); django-allauth's own German says "du" (see locale_allauth).
INFORMAL = re.compile(r"\b(?:du|dich|dir|dein|deine[nmrs]?)\b", re.IGNORECASE)
# What the crawl's world typed in English as data (a tumour type, a document's title, a justification,
# the question bank's wording), which happens to contain a phrase of the catalogue.
WORLD_DATA = {"Liver (hepatocellular carcinoma", "Application manual", "core criterion", "record identifier"}


def english_phrases():
    """The literal runs of the catalogues' English (between placeholders) that German says otherwise."""
    messages = []
    for path in CATALOGUES:
        with open(path, "rb") as source:
            messages.extend(read_po(source))
    phrases = set()
    for message in messages:
        if not message.id or not isinstance(message.id, str) or message.string == message.id:
            continue
        for run in PLACEHOLDER.split(message.id):
            run = " ".join(run.split()).strip(" .,:;()")
            if len(run) >= 12 and " " in run:  # a phrase, not a word German may share ("Download PDF")
                phrases.add(run)
    return phrases - WORLD_DATA


@pytest.mark.parametrize("role", ["anonymous", "member", "representative", "assessor", "office", "chairperson"])
def test_every_main_page_of_every_role_is_german(browser, live_server, world, role):  # noqa: F811
    phrases = english_phrases()
    user = user_of(world, role)
    if user:
        User.objects.filter(pk=user.pk).update(language="de")
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="de-AT")
    context.set_default_timeout(10_000)
    page = context.new_page()
    found = []

    def read(path):
        assert page.evaluate("document.documentElement.lang") == "de", f"{role} {path} is not German"
        text = " ".join(page.evaluate("document.body.innerText").split())
        found.extend(f"{path}: “{phrase}”" for phrase in sorted(phrases) if phrase in text)
        found.extend(f"{path}: informal “{word}”" for word in INFORMAL.findall(text))

    if user:
        sign_in_on(page, user.email, PASSWORD, at_second_factor=lambda: read("/accounts/2fa/authenticate/"))
        reauthenticate_on(page, PASSWORD)  # the pages that change a second factor ask for it
    for path in pages_of(world, role):
        page.goto(path)
        assert page.url.endswith(path), f"{role} {path}: sent to {page.url}"
        read(path)
    context.close()
    assert not found, f"{role}: English on German pages:\n" + "\n".join(found)
