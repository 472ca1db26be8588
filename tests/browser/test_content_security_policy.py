import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, AssessorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_script_is_blocked_and_reported_so_the_browser_tests_fail_on_it(page, policy_violations):
    page.goto("/centres/")
    with page.expect_console_message(lambda message: message.text.startswith("CSP violation")):
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true;";
            document.body.appendChild(script);
        }""")
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in violation for violation in policy_violations)
    policy_violations.clear()  # seen: this test's page is otherwise clean


def test_an_assessor_without_a_second_factor_adds_a_security_key_and_then_reaches_the_queue(page, sign_in):
    assessor = AssessorFactory(second_factor=False)
    # Chromium's virtual authenticator stands in for a security key or a phone's passkey.
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
    }})
    sign_in(assessor.email, PASSWORD)
    page.goto("/assessor/")
    page.wait_for_selector("text=Set up an authenticator app or a security key to continue")
    page.goto("/accounts/2fa/webauthn/add/")
    page.fill("input[name=password]", PASSWORD)  # allauth confirms the password first
    page.click("main button[type=submit]")
    page.fill("input[name=name]", "My key")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    page.goto("/assessor/")
    page.wait_for_selector("text=My assessments")
    assert page.url.endswith("/assessor/")
    assert Authenticator.objects.get(user=assessor, type=Authenticator.Type.WEBAUTHN)
