import os

import pytest
from django.core.cache import cache

from tests.factories import totp_code

# Playwright's sync API keeps an event loop in the test thread; the test still uses the ORM synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page runs under the Content-Security-Policy: whatever it blocks is reported here and fails the test.
REPORT_POLICY_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"} on ${document.location.pathname}`);
});
"""


@pytest.fixture
def policy_violations():
    """What the Content-Security-Policy blocked during the test, as the browser reported it."""
    return []


@pytest.fixture
def page(browser, live_server, policy_violations):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_POLICY_VIOLATIONS)
    page = context.new_page()
    page.on("console", lambda message: policy_violations.append(message.text) if (
        message.type == "error" and message.text.startswith("CSP violation")
    ) else None)
    yield page
    context.close()
    assert not policy_violations, "The Content-Security-Policy blocked something: " + "; ".join(policy_violations)


def sign_in_on(page, email, password, at_second_factor=None):
    """Sign in through the login page, entering the authenticator's code where the role needs a second factor.

    ``at_second_factor`` is called on the page asking for the code, before it is entered.
    """
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")  # not the header's language switcher
    if "/accounts/2fa/authenticate/" in page.url:
        # Office staff and assessors: the code of their authenticator app. allauth refuses a code twice
        # (a person signing in again would wait for the next one): forget the used codes instead.
        cache.clear()
        if at_second_factor:
            at_second_factor()
        page.fill("input[name=code]", totp_code())
        with page.expect_navigation():
            page.click("main button[type=submit]")


def reauthenticate_on(page, password):
    """Confirm the password again, as allauth asks before a second factor is changed."""
    page.goto("/accounts/reauthenticate/")
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.fixture
def sign_in(page):
    return lambda email, password: sign_in_on(page, email, password)
