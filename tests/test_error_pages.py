"""Error pages tell each reader where to go on: a visitor signs in, everyone else goes back to their own start page."""
import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from tests.factories import AssessorFactory, OfficeUserFactory

pytestmark = pytest.mark.django_db

READERS = {
    # who: (where they go on, the words of that link)
    "visitor": ("/accounts/login/", "Sign in"),
    "member": ("/facility/", "Back to your dashboard"),
    "assessor": ("/assessor/", "Back to your assessments"),
    "office": ("/office/", "Back to your to-do list"),
}


@pytest.fixture
def reader(request, client, enrolled):
    user = {"visitor": None, "member": enrolled.member, "assessor": AssessorFactory(),
            "office": OfficeUserFactory()}[request.param]
    if user:
        client.force_login(user)
    return request.param


def way_on(response, who):
    href, words = READERS[who]
    text = response.content.decode()
    return f'href="{href}' in text and words in text


@pytest.mark.parametrize("reader", list(READERS), indirect=True)
def test_page_not_found_leads_each_reader_on(client, reader):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    if reader == "visitor":  # who signs in comes back here
        assert 'href="/accounts/login/?next=/no-such-page/"' in response.content.decode()
    assert "Page not found" in response.content.decode() and way_on(response, reader)


def test_a_member_refused_a_page_learns_whom_to_ask(client, enrolled):
    client.force_login(enrolled.member)
    response = client.get(reverse("facilities:profile_edit"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Your role does not allow this page" in text and "authorised representative" in text
    assert way_on(response, "member")


@pytest.mark.parametrize("reader", ["visitor", "member", "office"], indirect=True)
def test_an_expired_form_is_a_page_saying_nothing_was_saved(reader, client):
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "The form had expired" in text and "Nothing was saved." in text and "reload the page" in text
    assert way_on(response, reader)


def test_an_expired_form_reads_in_german_for_a_german_browser():
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "de"})
    response = client.post(reverse("account_login"), {"login": "someone@example.org", "password": "x"})
    assert response.status_code == 403
    assert 'lang="de"' in response.content.decode()


def test_too_large_and_too_many_lead_a_signed_in_office_to_its_list(client, settings):
    client.force_login(OfficeUserFactory())
    response = client.post(reverse("set_language"), {"language": "de"}, CONTENT_LENGTH=settings.REQUEST_MAX_BYTES + 1)
    assert response.status_code == 413 and way_on(response, "office")


@pytest.mark.django_db(False)
def test_server_error_page_needs_neither_database_nor_request_context():
    """Rendered as Django does after an unhandled error: no context, no database (this test may not touch it)."""
    with translation.override("de"):
        response = server_error(RequestFactory().get("/facility/"))
    assert response.status_code == 500
    assert '<html lang="de">' in response.content.decode()
    with translation.override("en"):
        response = server_error(RequestFactory().get("/facility/"))
    assert "Something went wrong" in response.content.decode() and 'href="/"' in response.content.decode()


def test_an_unhandled_error_answers_with_the_server_error_page(client, settings):
    settings.ROOT_URLCONF = "tests.failing_urls"
    client.raise_request_exception = False
    response = client.get("/fails/", headers={"accept-language": "de"})
    assert response.status_code == 500 and '<html lang="de">' in response.content.decode()
