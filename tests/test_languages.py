"""The portal in German (and French as a catalogue only): pages, the switcher, each person's e-mails and the PDFs."""
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from facilities.models import AuditEntry, User
from facilities.services import issue_new_facility_code
from invoicing.services import invoice_pdf_bytes

from .factories import PASSWORD, UserFactory, answer_questions, complete_case_review, core_questions, issued_invoice

LOCALE = Path(settings.BASE_DIR) / "locale"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in the thread: later tests expect the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def catalogue(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as source:
        return read_po(source)


def plain_spaces(text):
    """Babel writes money with no-break spaces ("1 800,00 €"); compare as a reader sees it."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def forms_of(message):
    return message.string if isinstance(message.string, (tuple, list)) else (message.string,)


@pytest.mark.django_db(False)
def test_every_message_of_the_german_catalogue_is_translated_and_none_is_fuzzy():
    messages = [message for message in catalogue("de") if message.id]
    untranslated = [message.id for message in messages if not all(forms_of(message))]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert messages and not untranslated, f"{len(untranslated)} messages without German: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy German translations to check: {fuzzy[:10]}"


@pytest.mark.django_db(False)
@pytest.mark.parametrize("po", sorted(str(path) for folder in settings.LOCALE_PATHS for path in Path(folder).glob("*/LC_MESSAGES/django.po")))
def test_the_committed_compiled_catalogues_match_their_sources(po):
    """The .mo files are committed (no gettext needed to run the portal): `make messages` after editing a .po."""
    def translations(path, read):
        with open(path, "rb") as source:
            return {(message.id if isinstance(message.id, str) else tuple(message.id), message.context): tuple(forms_of(message))
                    for message in read(source) if message.id and any(forms_of(message))}

    assert translations(po[:-2] + "mo", read_mo) == translations(po, read_po), f"{po[:-2]}mo is out of date: run `make messages`"


def test_account_pages_address_people_formally_in_german(client, db):
    """django-allauth's own German says "du"; the portal's catalogue for it says "Sie" (locale_allauth)."""
    page = client.get(reverse("account_reset_password"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Geben Sie unten Ihre E-Mail-Adresse ein" in page and "Gib deine" not in page


def test_a_page_asked_for_in_german_is_german(client, db):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "Willkommen" in page and "Einrichtung registrieren" in page
    assert "Register a facility" not in page
    # Each language is offered under its own name, not translated into the page's.
    assert '<option value="en" lang="en">English</option>' in page and "Englisch" not in page


def test_statuses_marked_lazily_are_in_the_catalogue_too(client, enrolled, application):
    """makemessages also collects _l(...): the application's status reads German on a German page."""
    User.objects.filter(pk=enrolled.rep.pk).update(language="de")
    client.force_login(enrolled.rep)
    page = client.get(reverse("assessment:feedback")).content.decode()
    assert "In Bearbeitung" in page and "In preparation" not in page


def test_french_is_a_catalogue_only_and_falls_back_to_english_where_untranslated(client, db):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Bienvenue" in page and "Enregistrer un établissement" in page  # translated chrome
    assert "Accreditation for interventional oncology services" in page  # not translated: English, not blank


def test_every_page_offers_a_labelled_language_switcher_posting_to_set_language(client, enrolled):
    client.force_login(enrolled.member)
    page = client.get(reverse("facilities:dashboard")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert '<label for="portal-language">' in page and 'id="portal-language" name="language"' in page
    assert '<option value="de" lang="de">Deutsch</option>' in page


def test_switching_the_language_stores_it_on_the_account_and_it_follows_the_person(client, enrolled):
    person = enrolled.member
    client.force_login(person)
    response = client.post(reverse("set_language"), {"language": "de", "next": reverse("facilities:dashboard")})

    assert response.status_code == 302 and response.url == reverse("facilities:dashboard")
    person.refresh_from_db()
    assert person.language == "de"
    [entry] = AuditEntry.objects.filter(action="account.language_changed", target_id=str(person.pk))
    assert entry.changes == {"language": ["", "de"]} and entry.actor == person
    # Another browser that asks for English: the account's choice wins.
    client.cookies.clear()
    client.force_login(person)
    page = client.get(reverse("facilities:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Übersicht" in page and "Meine Einrichtung" in page


def test_an_unknown_language_changes_nothing(client, enrolled):
    client.force_login(enrolled.member)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    enrolled.member.refresh_from_db()
    assert enrolled.member.language == ""


def test_the_first_sign_in_keeps_the_language_read_in_and_a_stored_one_is_applied(client, db):
    newcomer, settled = UserFactory(), UserFactory(language="en")
    client.post(reverse("account_login"), {"login": newcomer.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="de")
    newcomer.refresh_from_db()
    assert newcomer.language == "de"

    client.logout()
    client.post(reverse("account_login"), {"login": settled.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="de")
    settled.refresh_from_db()
    assert settled.language == "en"
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de", follow=True).content.decode()
    assert "Sign out" in page and "Abmelden" not in page


def test_each_recipient_of_one_event_reads_the_e_mail_in_their_own_language(
    registered, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=registered.rep.pk).update(language="de")
    User.objects.filter(pk=registered.holder.pk).update(language="en")

    with django_capture_on_commit_callbacks(execute=True):
        issue_new_facility_code(registered.facility, office_user)

    by_recipient = {address: mail for mail in mailoutbox for address in mail.to}
    german, english = by_recipient[registered.rep.email], by_recipient[registered.holder.email]
    assert german is not english
    assert "ein neuer Einrichtungscode" in german.subject and "Der alte Code gilt nicht mehr." in german.body
    assert "a new facility code" in english.subject and "The old code no longer works." in english.body
    assert "Einrichtungscode" not in english.body


def test_a_facility_s_pdfs_are_in_its_authorised_representative_s_language_with_its_money_format(registered, pdf_of):
    invoice = issued_invoice(registered.facility)  # EUR 1,500.00 + 20% tax
    text = pdf_of(invoice_pdf_bytes(invoice))
    assert "Payment instructions" in text and "€1,800.00" in text

    User.objects.filter(pk=registered.rep.pk).update(language="de")
    invoice.facility.refresh_from_db()
    text = plain_spaces(pdf_of(invoice_pdf_bytes(invoice)))
    assert "Zahlungshinweise" in text and "Payment instructions" not in text
    assert "1.800,00 €" in text and "€1,800.00" not in text


@pytest.mark.parametrize("language, amount", [("en", "€1,800.00"), ("de", "1.800,00 €"), ("fr", "1 800,00 €")])
def test_money_on_the_invoice_page_is_written_as_the_reader_s_language_writes_it(client, registered, language, amount):
    issued_invoice(registered.facility)
    User.objects.filter(pk=registered.holder.pk).update(language=language)
    client.force_login(registered.holder)
    page = client.get(reverse("invoicing:invoices")).content.decode()
    assert amount in plain_spaces(page)


@pytest.mark.parametrize("answered, german", [(27, "1 Kernfrage ist noch unvollständig"), (25, "3 Kernfragen sind")])
def test_counts_take_the_right_plural_in_german(client, enrolled, application, answered, german):
    complete_case_review(application)
    answer_questions(application, core_questions(application)[:answered])
    User.objects.filter(pk=enrolled.rep.pk).update(language="de")
    client.force_login(enrolled.rep)
    page = client.post(reverse("applications:submit"), follow=True).content.decode()
    assert german in page


def test_account_e_mails_go_out_in_the_recipient_s_language_whatever_the_page_s(client, db, mailoutbox):
    """A password reset asked for from an English page still reaches a German-speaking person in German (Sie)."""
    person = UserFactory(language="de")
    client.post(reverse("account_reset_password"), {"email": person.email}, HTTP_ACCEPT_LANGUAGE="en")
    [mail] = mailoutbox
    assert "Grüße aus dem IO-Akkreditierungsportal." in mail.body
    assert "Sie erhalten diese E-Mail, weil Sie oder jemand anderer" in mail.body and "Du erhältst" not in mail.body


def test_dates_and_money_in_messages_follow_the_reader_s_language(registered, office_user):
    from datetime import date
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from invoicing.services import record_payment

    invoice = issued_invoice(registered.facility, issued_on=date(2026, 3, 2))
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        record_payment(invoice, office_user, paid_on=date(2026, 3, 1), amount=Decimal("5000"), reference="R-1")
    errors = plain_spaces(" ".join(refused.value.messages))
    assert "Die Rechnung wurde am 2. März 2026 ausgestellt" in errors
    assert "Auf dieser Rechnung sind nur 1.800,00 € offen." in errors
