from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from facilities.models import Enrolment, Facility

from .factories import (
    enrolment_of,
    PASSWORD,
    TOTP_SECRET,
    AssessorFactory,
    ChairpersonFactory,
    FacilityFactory,
    MembershipFactory,
    OfficeUserFactory,
    totp_code,
)


@pytest.fixture(autouse=True)
def fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Rate-limit counters and used one-time codes live in the cache: each test starts with none.
    cache.clear()
    yield
    # A request in German (LocaleMiddleware) leaves German active in the thread: the next test starts in English.
    translation.deactivate()


def load_shipped_data():
    """What the data migrations ship: the programmes with their question banks, fees and fee lists, the minimum dataset."""
    import importlib

    from django.apps import apps

    from applications.models import (
        AwardTier, FindingArea, Pathway, PathwayStep, Programme, Question, QuestionSet, RegistrationRequirement, Standard,
    )
    from applications.question_bank import (
        load_award_tiers, load_pathway, load_programme, load_registration_requirements, read_programme_file,
    )
    from assessment.models import TurnaroundTarget
    from assessment.turnaround import load_shipped_targets
    from casereview.dataset import load_minimum_dataset
    from casereview.models import DatasetGroup, DatasetItem
    from invoicing.fee_list import load_fee_items, load_reaccreditation_charges
    from invoicing.models import FeeItem, ProgrammeFees

    for code in ("io", "srs"):
        load_programme(read_programme_file(code), Programme, QuestionSet, Standard, Question)
        load_award_tiers(read_programme_file(code), Programme, AwardTier)
        load_registration_requirements(read_programme_file(code), Programme, RegistrationRequirement)
        load_pathway(read_programme_file(code), Programme, Pathway, PathwayStep, FindingArea)
    importlib.import_module("invoicing.migrations.0002_fees_for_io_and_srs").add_fees(apps, None)
    load_fee_items(ProgrammeFees, FeeItem)
    load_reaccreditation_charges(FeeItem)
    load_minimum_dataset(DatasetGroup, DatasetItem)
    load_shipped_targets(Programme, TurnaroundTarget)
    from assessment.models import Expertise, RequiredExpertise
    from assessment.reference_data import load_matching_data

    load_matching_data(Programme, Expertise, RequiredExpertise)


@pytest.fixture(autouse=True)
def shipped_data(request):
    """The shipped reference data, in every test that touches the database.

    Migrations load it once; a transactional test (browser, concurrency, worker) flushes every table
    when it ends, and serialized_rollback cannot restore it once Playwright has run in the worker,
    so it is loaded again, idempotently, before the next test that needs it.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    transactional = (marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames
    request.getfixturevalue("transactional_db" if transactional else "db")
    from assessment.models import TurnaroundTarget
    from casereview.models import DatasetItem
    from invoicing.models import FeeItem

    if not (FeeItem.objects.exists() and DatasetItem.objects.exists() and TurnaroundTarget.objects.exists()):
        load_shipped_data()


def people_of(facility):
    return SimpleNamespace(
        facility=facility,
        rep=facility.authorised_representative,
        deputy=facility.deputy_representative,
        holder=facility.main_account_holder,
        member=MembershipFactory(facility=facility).user,
    )


@pytest.fixture
def enrolled():
    """An enrolled centre with its four kinds of staff."""
    return people_of(FacilityFactory(status=Enrolment.Status.ENROLLED))


@pytest.fixture
def registered():
    return people_of(FacilityFactory())


@pytest.fixture
def office_user():
    return OfficeUserFactory()


@pytest.fixture
def chairperson():
    return ChairpersonFactory()


@pytest.fixture
def assessor():
    return AssessorFactory()


@pytest.fixture
def application(enrolled):
    from applications.services import open_application

    return open_application(enrolment_of(enrolled.facility))


def sign_in(client, email, password=PASSWORD, totp_secret=TOTP_SECRET):
    """Sign in through the login form; people with an authenticator then enter its current code."""
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if response.get("Location") == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_secret)})
    return response


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(data):
    """The text of a PDF (a response or its bytes), as pypdf extracts it."""
    import io

    from pypdf import PdfReader

    if hasattr(data, "status_code"):
        data = body_of(data)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def pdf_of():
    return pdf_text
