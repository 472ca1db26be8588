"""German screenshots of the main pages of each role at desktop and phone width, for a person to look at.

Skipped unless SCREENSHOTS_DIR names the directory to write them to:
    SCREENSHOTS_DIR=/tmp/shots pytest tests/browser/test_screenshots.py
"""
import os
from pathlib import Path

import pytest

from facilities.models import User
from tests.browser.conftest import sign_in_on
from tests.browser.test_accessibility_crawl import DESKTOP, PHONE, world  # noqa: F401 (a fixture)
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("SCREENSHOTS_DIR"), reason="SCREENSHOTS_DIR is not set"),
]


def pages_to_show(world):
    """(name, who signs in, page) for each screenshot."""
    return [
        ("facility-dashboard", world.working.member, "/facility/"),
        ("application", world.working.member, "/facility/application/"),
        ("assessor-review", world.assessor, f"/assessor/applications/{world.reviewed.pk}/"),
        ("office-start", world.office, "/office/"),
    ]


def test_german_screenshots_of_each_roles_main_pages(browser, live_server, world):  # noqa: F811
    directory = Path(os.environ["SCREENSHOTS_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for name, user, path in pages_to_show(world):
            User.objects.filter(pk=user.pk).update(language="de")
            context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="de-AT")
            context.set_default_timeout(10_000)
            page = context.new_page()
            sign_in_on(page, user.email, PASSWORD)
            page.goto(path)
            assert page.url.endswith(path), f"{name}: sent to {page.url}"
            assert page.evaluate("document.documentElement.lang") == "de"
            target = directory / f"{name}-{width_name}-{viewport['width']}x{viewport['height']}.png"
            page.screenshot(path=target, full_page=True)
            written.append(target)
            context.close()
    assert all(target.stat().st_size > 0 for target in written)
