import pytest
from django.urls import reverse

from applications.models import Question, QuestionSet
from applications.question_bank import copy_question_set, make_current
from applications.services import open_application

from .factories import FacilityFactory, enrolment_of

pytestmark = pytest.mark.django_db


def test_a_question_set_in_use_is_read_only_and_a_new_version_leaves_started_applications_alone(client, office_user):
    office_user.is_staff = office_user.is_superuser = True
    office_user.save()
    application = open_application(enrolment_of(FacilityFactory(status="enrolled")))
    v1 = application.question_set
    q1 = Question.objects.get(standard__question_set=v1, number=1)
    client.force_login(office_user)
    client.post(reverse("admin:applications_question_change", args=[q1.pk]), {"text": "Changed wording?"})
    q1.refresh_from_db()
    assert q1.text != "Changed wording?"  # in use: not editable

    v2 = copy_question_set(v1)
    assert v2.version == 2 and Question.objects.filter(standard__question_set=v2).count() == 52
    assert Question.objects.filter(standard__question_set=v2, is_core=True).count() == 28
    Question.objects.filter(standard__question_set=v2, number=1).update(text="Reworded for version 2?")
    make_current(v2)

    assert QuestionSet.objects.get(pk=v2.pk).is_current and not QuestionSet.objects.get(pk=v1.pk).is_current
    assert open_application(enrolment_of(application.facility)).question_set == v1  # keeps the wording it was answered against
    newcomer = open_application(enrolment_of(FacilityFactory(status="enrolled")))
    assert newcomer.question_set == v2
    assert Question.objects.get(standard__question_set=v2, number=1).text == "Reworded for version 2?"
