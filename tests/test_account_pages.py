"""allauth's pages are built from the portal's markup: labelled fields with their help and errors tied to them,
the portal's buttons and cards."""
import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.test_accessible_forms import tag_of

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_has_labelled_fields_and_the_portals_main_button(client):
    html = client.get(reverse("account_login")).content.decode()
    assert '<form method="post" action="/accounts/login/" class="form" novalidate>' in html
    assert re.search(r'<label for="id_login">[^<]+<span class="req"', html) and 'id="id_login"' in tag_of(html, "login")
    assert re.search(r'<button type="submit" class="button primary">\s*Sign In\s*</button>', html)


def test_a_refused_password_change_marks_the_field_and_ties_its_error_to_it(client, enrolled):
    client.force_login(enrolled.member)
    response = client.post(reverse("account_change_password"),
                           {"oldpassword": "not it", "password1": "N3w-pass-phrase", "password2": "N3w-pass-phrase"})
    html = response.content.decode()
    field = tag_of(html, "oldpassword")
    assert 'aria-invalid="true"' in field and "id_oldpassword_error" in field
    assert re.search(r'<div class="error" id="id_oldpassword_error"><p>Please type your current password.</p>', html)


def test_a_field_allauth_writes_by_hand_is_described_by_its_help(client, enrolled):
    client.force_login(enrolled.member)
    # allauth asks for the password again before a second factor is added.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    html = client.get(reverse("mfa_activate_totp")).content.decode()
    field = re.search(r'<input type="text" id="authenticator_secret"[^>]*>', html).group(0)
    assert 'aria-describedby="authenticator_secret_helptext"' in field and " disabled" in field
    assert re.search(r'<p class="help" id="authenticator_secret_helptext">\s*You can store this secret', html)
    assert re.search(r'<label for="id_code">', html)  # the form's own field, through includes/field.html
