"""Phones and keyboards: the menu, the skip link, the current page, focus, labels, answers inside their card."""
import pytest

from applications.services import open_application, save_answer
from facilities.models import Enrolment, Facility
from tests.conftest import people_of
from tests.factories import (
    enrolment_of,
    PASSWORD, FacilityFactory, OfficeUserFactory, ReviewCaseFactory, answer_questions, core_questions,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LONG_EVIDENCE = "https://intranet.example.org/quality/interventional-oncology/" + "signed-protocol-" * 12


@pytest.fixture
def staff():
    return people_of(FacilityFactory(status=Enrolment.Status.ENROLLED))


def test_on_a_phone_the_navigation_is_behind_a_menu_button(page, sign_in, staff):
    sign_in(staff.member.email, PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/facility/")
    menu, documents = page.locator("button.menu-toggle"), page.locator(".mainnav >> text=Documents")
    assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
    assert documents.is_hidden()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true" and documents.is_visible()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false" and documents.is_hidden()
    # The menu works from a static file: the Content-Security-Policy allows no inline script.
    assert page.locator("script:not([src])").count() == 0
    page.set_viewport_size(DESKTOP)
    assert menu.is_hidden() and documents.is_visible()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_main_content(page, sign_in, staff):
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_current_page_is_marked_in_the_navigation_for_screen_readers_and_visibly(page, sign_in, staff):
    sign_in(staff.rep.email, PASSWORD)
    for path, current in (("/facility/", "Dashboard"), ("/facility/invoices/", "Invoices")):
        page.goto(path)
        marked = page.locator(".mainnav a[aria-current=page]")
        assert marked.all_inner_texts() == [current]
        weight = lambda link: int(link.evaluate("link => getComputedStyle(link).fontWeight"))  # noqa: E731
        assert weight(marked) > weight(page.locator(".mainnav a:not([aria-current])").first)


def test_focus_moved_with_the_keyboard_is_never_hidden_behind_the_standards_navigator(page, sign_in, staff):
    open_application(enrolment_of(staff.facility))
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/application/questions/21/")
    # The last text box of question 21 just under the top edge, where a sticky bar would cover it.
    page.locator("#q-21 textarea").last.evaluate(
        "box => window.scrollTo(0, box.getBoundingClientRect().top + window.scrollY - 10)")
    page.locator("#q-21 button[type=submit]").evaluate("button => button.focus({preventScroll: true})")
    page.keyboard.press("Shift+Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("name") in ("evidence", "explanation")
    assert page.evaluate("""() => { const box = document.activeElement.getBoundingClientRect();
        return document.elementFromPoint(box.left + box.width / 2, box.top + 5) === document.activeElement; }""")


def test_each_yes_no_group_names_its_question_and_every_control_has_its_own_name(page, sign_in, staff):
    application = open_application(enrolment_of(staff.facility))
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/application/")
    groups = page.locator("fieldset.yesno")
    assert groups.count() == application.question_set.standards.get(number=1).questions.count()
    names = page.evaluate("""() => [...document.querySelectorAll('main textarea, main button')].map(control =>
        control.tagName === 'BUTTON' ? control.textContent.trim()
          : document.querySelector(`label[for="${control.id}"]`).textContent.trim())""")
    repeated = {name for name in names if names.count(name) > 1}
    assert not repeated
    for number in (1, 30, 52):
        page.goto(f"/facility/application/questions/{number}/")
        legend = page.locator(f"#q-{number} fieldset.yesno legend").inner_text()
        text = page.locator(f"#q-{number} .question-text").inner_text()
        assert legend == f"Answer to question {number}: {text}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_the_office_sees_long_answers_inside_their_card(page, sign_in, staff, viewport):
    application = open_application(enrolment_of(staff.facility))
    answer_questions(application, core_questions(application), evidence=LONG_EVIDENCE, explanation=LONG_EVIDENCE)
    office = OfficeUserFactory()
    sign_in(office.email, PASSWORD)
    page.set_viewport_size(viewport)
    page.goto(f"/office/applications/{application.pk}/")
    outside = page.evaluate("""() => [...document.querySelectorAll('article.question')].filter(card =>
        [...card.querySelectorAll('dd')].some(answer =>
          answer.getBoundingClientRect().right > card.getBoundingClientRect().right + 0.5)).map(card => card.id)""")
    assert outside == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_identifiers_and_dates_keep_to_one_line_on_a_phone(page, sign_in, staff):
    application = open_application(enrolment_of(staff.facility))
    ReviewCaseFactory(application=application, record_identifier="MRN-2024-000123456",
                      tumour_type="Liver (hepatocellular carcinoma) with a long description of the site")
    sign_in(staff.member.email, PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/facility/case-review/")
    lines = page.evaluate("""() => [...document.querySelectorAll('table.cases td.nowrap')].map(cell => {
        const range = document.createRange(); range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size; })""")
    assert lines and set(lines) == {1}


def test_after_a_refused_save_focus_goes_to_the_message_or_the_field_in_error(page, sign_in, staff):
    application = open_application(enrolment_of(staff.facility))
    question = core_questions(application)[0]
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/application/")
    card = page.locator(f"#q-{question.number}")
    # Someone else saves the same answer after the page was opened: a conflict.
    save_answer(application, question, staff.rep, choice="yes", evidence="Their text.", explanation="", base_version=0)
    card.locator("textarea[name=evidence]").fill("My text.")
    card.locator("textarea[name=evidence]").press("Tab")
    page.wait_for_selector(f"#q-{question.number} .alert.warning")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    # Text with a control character is refused: focus goes to the box in error.
    page.reload()
    card.locator("textarea[name=evidence]").fill("Bell \x07 character")
    card.locator("textarea[name=evidence]").press("Tab")
    page.wait_for_selector(f"#q-{question.number} textarea[aria-invalid=true]")
    focused = page.evaluate("[document.activeElement.name, document.activeElement.getAttribute('aria-invalid')]")
    assert focused == ["evidence", "true"]


def tab_to(page, selector, limit=80):
    """Presses Tab until the focused element matches ``selector``, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab")


def test_a_core_question_is_completed_saved_and_the_next_standard_reached_with_the_keyboard_alone(page, sign_in, staff):
    application = open_application(enrolment_of(staff.facility))
    first = core_questions(application)[0]
    sign_in(staff.member.email, PASSWORD)
    page.goto("/facility/application/")
    card = f"#q-{first.number}"
    tab_to(page, f"{card} input[name=choice][value=yes], {card} input[name=choice][value=no]")
    page.keyboard.press("Home")  # the first radio of the group, Yes, checked by moving onto it
    page.keyboard.press("Space")
    for name in ("evidence", "explanation") if first.asks_explanation else ("evidence",):
        tab_to(page, f"{card} textarea[name={name}]")
        page.keyboard.type("The signed credentialing register, reviewed every year.")
    tab_to(page, f"{card} button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#q-{first.number}-state.ok")
    assert page.locator("#standard-nav a[aria-current=page] .mark").inner_text() == "In progress"
    tab_to(page, ".pager a[rel=next]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/standards/{first.standard.number + 1}/")
    assert page.locator("h2#standard-title").inner_text().startswith(f"Standard {first.standard.number + 1}:")
    # Back on the first standard, the navigator marks it in progress: its answer was saved.
    tab_to(page, f"#standard-nav a[href$='/standards/{first.standard.number}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/standards/{first.standard.number}/")
    assert page.locator(f"{card} textarea[name=evidence]").input_value().startswith("The signed credentialing register")
