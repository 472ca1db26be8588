"""Help text and errors are tied to their fields, so a screen reader reads them with the field."""
import re

import pytest

pytestmark = pytest.mark.django_db


def tag_of(html, name):
    return re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', html).group(0)


def test_a_refused_field_is_marked_invalid_and_described_by_its_help_and_its_error(client):
    html = client.post("/register/", {}).content.decode()
    field = tag_of(html, "programme")
    assert 'aria-invalid="true"' in field
    described_by = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert described_by == ["id_programme_helptext", "id_programme_error"]
    assert re.search(r'id="id_programme_helptext"[^>]*>[^<]*accreditation programme', html)
    assert re.search(r'id="id_programme_error"[^>]*><p>[^<]+</p>', html)


def test_a_field_not_in_error_is_described_by_its_help_only(client):
    html = client.get("/register/").content.decode()
    field = tag_of(html, "programme")
    assert "aria-invalid" not in field
    assert 'aria-describedby="id_programme_helptext"' in field
