from types import SimpleNamespace

import pytest

from facilities.models import Facility

from .factories import (
    AssessorFactory,
    ChairpersonFactory,
    FacilityFactory,
    MembershipFactory,
    OfficeUserFactory,
)


@pytest.fixture(autouse=True)
def fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(autouse=True)
def question_bank(request):
    """The shipped programmes and question bank, in every test that touches the database.

    Migrations load them once; a transactional test (browser, concurrency) flushes every table when
    it ends, so they are loaded again, idempotently, before the next test that needs them.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    transactional = (marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames
    request.getfixturevalue("transactional_db" if transactional else "db")
    from applications.models import Programme, Question, QuestionSet, Standard
    from applications.question_bank import load_programme, read_programme_file

    if Programme.objects.filter(code="srs").exists():
        return
    for code in ("io", "srs"):
        load_programme(read_programme_file(code), Programme, QuestionSet, Standard, Question)


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
    return people_of(FacilityFactory(status=Facility.Status.ENROLLED))


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

    return open_application(enrolled.facility)
