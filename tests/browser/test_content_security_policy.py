import pytest

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
