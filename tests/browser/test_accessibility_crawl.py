"""Every main page of every role, measured by axe-core (WCAG 2.2 AA) at desktop and phone width.

At phone width the page must also not scroll sideways. axe-core comes from the npm registry
(package.json, installed by `make test`).
"""
from pathlib import Path
from types import SimpleNamespace

import pytest

from accreditation.models import Export
from applications.services import open_application
from assessment import services as assessment_services
from facilities.models import Enrolment, Facility
from tests.browser.conftest import reauthenticate_on, sign_in_on
from tests.conftest import people_of
from tests.factories import (
    enrolment_of,
    PASSWORD, ChairpersonFactory, ConsultationRequestFactory, FacilityFactory, MessageFactory, OfficeUserFactory, PublishedDocumentFactory,
    ReviewCaseFactory, answer_questions, core_questions, issued_invoice,
)
from tests.workflow_steps import assign, finish_round, submitted_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
def world():
    """One facility at work on its application, one in review with both assessors, one awaiting the decision."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make axe` (npm ci) first")
    working = people_of(FacilityFactory(name="Working Liver Unit", status=Enrolment.Status.ENROLLED))
    application = open_application(enrolment_of(working.facility))
    answer_questions(application, core_questions(application)[:5], evidence="Signed protocol, 2024 edition.")
    case = ReviewCaseFactory(application=application, record_identifier="MRN-2024-000123456")
    issued_invoice(working.facility)
    MessageFactory(facility=working.facility)
    PublishedDocumentFactory()

    in_review = people_of(FacilityFactory(name="Reviewed Kidney Centre", status=Enrolment.Status.ENROLLED))
    reviewed = submitted_application(in_review.facility)
    first, second = assign(reviewed)
    consultation = ConsultationRequestFactory(facility=in_review.facility, requested_by=in_review.deputy)
    reviewed.answers.filter(question__number=1).update(
        evidence="https://intranet.example.org/quality/documents/interventional-oncology/" + "x" * 80)

    deciding = submitted_application(FacilityFactory(name="Deciding Bone Centre", status=Enrolment.Status.ENROLLED))
    assessors = assign(deciding)
    finish_round(deciding, assessors)
    for assessor in assessors:
        assessment_services.recommend(deciding, assessor, "approve", "Every core criterion is met.")
    office = OfficeUserFactory()
    # A long list's export half written by the worker: its page shows the progress.
    export = Export.objects.create(requested_by=office, list_name="facilities", format="xlsx", language="en",
                                   status=Export.Status.RUNNING, rows_done=2500, rows_total=6000)
    return SimpleNamespace(
        working=working, case=case, in_review=in_review, reviewed=reviewed, assessor=first,
        office=office, chair=ChairpersonFactory(), deciding=deciding, export=export, consultation=consultation,
    )

# The innermost elements reaching past the right edge of the viewport, to name in a failure.
WIDEST_ELEMENTS = """() => [...document.body.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))"""


# allauth's pages every signed-in person has: their e-mail addresses, password, second factor, signing out.
ACCOUNT_PAGES = ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/accounts/logout/"]


def pages_of(world, role):
    reviewed, facility, consultation = world.reviewed.pk, world.in_review.facility.pk, world.consultation.pk
    return {
        "anonymous": [
            "/", "/accounts/login/", "/register/", "/register/io/", "/register/srs/", "/centres/", "/accounts/signup/",
            "/accounts/password/reset/",
            "/accounts/password/reset/done/", "/accounts/confirm-email/",
        ],
        "member": [
            "/facility/", "/facility/application/", "/facility/application/summary/", "/facility/case-review/",
            f"/facility/case-review/cases/{world.case.pk}/", "/facility/case-review/summary/",
            "/facility/messages/", "/facility/documents/", "/facility/assessment/", "/facility/profile/",
            *ACCOUNT_PAGES, "/accounts/2fa/totp/activate/", "/accounts/reauthenticate/",
        ],
        "representative": [
            "/facility/", "/facility/application/", "/facility/invoices/", "/facility/assessment/",
            "/facility/application/submit/", "/facility/consultations/request/",
            f"/facility/consultations/{consultation}/withdraw/",
        ],
        "assessor": ["/assessor/", f"/assessor/applications/{reviewed}/", f"/assessor/applications/{reviewed}/case-review/",
                     "/assessor/profile/", f"/assessor/applications/{reviewed}/decline/"],
        "office": [
            "/office/", "/office/facilities/", f"/office/facilities/{facility}/", "/office/assessments/",
            f"/office/applications/{reviewed}/", "/office/invoices/", "/office/messages/", "/office/reports/",
            "/office/awards/", "/office/assessors/", "/office/payments/", f"/office/audit-trail/?facility={facility}",
            "/office/exports/", f"/office/exports/{world.export.pk}/",
            "/office/api-tokens/", "/office/api-tokens/new/",
            f"/office/facilities/{facility}/invoice/", "/office/consultations/", f"/office/consultations/{consultation}/",
            f"/office/consultations/{consultation}/accept/", f"/office/consultations/{consultation}/decline/",
            f"/office/applications/{reviewed}/assign/", "/office/assessments/assign-all/", "/office/assessors/profiles/",
            *ACCOUNT_PAGES, "/accounts/2fa/totp/deactivate/",
            "/accounts/2fa/recovery-codes/generate/", "/accounts/2fa/reauthenticate/", "/accounts/2fa/webauthn/add/",
        ],
        "chairperson": [f"/office/applications/{world.deciding.pk}/decide/"],
    }[role]


def user_of(world, role):
    return {
        "member": world.working.member, "representative": world.in_review.rep, "assessor": world.assessor,
        "office": world.office, "chairperson": world.chair,
    }.get(role)


def audit(page):
    # Evaluated through the DevTools protocol: the portal's Content-Security-Policy refuses inline scripts, as it should.
    page.evaluate(AXE.read_text())
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, count: v.nodes.length, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))",
        AXE_TAGS,
    )


def crawl(browser, live_server, world, role):
    """Visits each page of the role at both widths; returns the problems found, page by page."""
    problems, counts = [], []
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(10_000)
        page = context.new_page()

        def check(path):
            violations = audit(page)
            # A template tag or comment the engine did not take (a {# #} comment over two lines) shows as text.
            leaked = [mark for mark in ("{#", "#}", "{%", "%}", "{{", "}}") if mark in page.inner_text("body")]
            if leaked:
                problems.append(f"{name} {path}: template syntax shown to the reader: {leaked}")
            counts.append((role, path, name, sum(v["count"] for v in violations), len(violations)))
            for violation in violations:
                problems.append(f"{name} {path}: {violation['impact']} {violation['id']} at {violation['nodes']}")
            if viewport is PHONE:
                scroll_width, width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                if scroll_width > width:
                    problems.append(f"phone {path}: scrolls sideways ({scroll_width}px wide in a {width}px viewport)"
                                    f" because of {page.evaluate(WIDEST_ELEMENTS)}")

        user = user_of(world, role)
        if user:
            # The second factor's page (office staff, assessors) is met only on the way in.
            sign_in_on(page, user.email, PASSWORD, at_second_factor=lambda: check("/accounts/2fa/authenticate/"))
            reauthenticate_on(page, PASSWORD)  # the pages that change a second factor ask for it
        for path in pages_of(world, role):
            response = page.goto(path)
            # The page itself, not a sign-in or set-up page it redirected to.
            assert response.status == 200 and page.url.endswith(path), f"{role} {path}: HTTP {response.status} at {page.url}"
            check(path)
        context.close()
    for role_, path, name, nodes, rules in counts:
        print(f"axe {role_:15} {name:8} {path:55} rules={rules} nodes={nodes}")
    return problems


@pytest.mark.parametrize("role", ["anonymous", "member", "representative", "assessor", "office", "chairperson"])
def test_every_main_page_passes_axe_at_desktop_and_phone_width(browser, live_server, world, role):
    problems = crawl(browser, live_server, world, role)
    assert not problems, f"{role}:\n" + "\n".join(problems)
