"""Walk an application through the assessment workflow with the real services, for tests."""
from django.core.files.base import ContentFile

from applications.models import Question
from applications.services import open_application
from applications.workflow import Status
from assessment import services
from assessment.models import Verdict

from .factories import AssessorFactory, OfficeUserFactory, answer_questions, complete_case_review, core_questions


def submitted_application(facility):
    """A complete application submitted by the facility's authorised representative."""
    from applications.services import submit_application

    application = open_application(facility)
    answer_questions(application, core_questions(application))
    complete_case_review(application)
    return submit_application(application, facility.authorised_representative)


def assign(application, first=None, second=None, office=None):
    first, second = first or AssessorFactory(), second or AssessorFactory()
    services.assign_assessors(application, [first, second], office or OfficeUserFactory())
    application.refresh_from_db()
    return first, second


def give_verdicts(application, assessor, outcome=Verdict.Outcome.MET, unclear=()):
    """A verdict on every question that needs one (the core; the extended too for Centre of Excellence): ``outcome``,
    or a clarification request for the numbers in ``unclear``."""
    from applications.services import questions_of

    for question in [q for q in questions_of(application) if services.needs_verdict(application, q)]:
        if question.number in unclear:
            services.record_verdict(application, assessor, question, Verdict.Outcome.CLARIFICATION,
                                    f"Please show the evidence for question {question.number}.")
        else:
            services.record_verdict(application, assessor, question, outcome,
                                    "" if outcome == Verdict.Outcome.MET else "Not shown.")


def finish_round(application, assessors, unclear=()):
    for assessor in assessors:
        give_verdicts(application, assessor, unclear=unclear)
        services.complete_round(application, assessor)
    application.refresh_from_db()
    return application


def reply_to_all(application, user, with_evidence=False):
    replies = []
    for verdict in services.comments_awaiting_reply(application):
        evidence = ContentFile(b"%PDF-1.4 evidence", name="evidence.pdf") if with_evidence else None
        replies.append(services.reply_to_comment(verdict, user, "Here is the document you asked for.", evidence))
    return replies


def in_clarification(facility, unclear=(5,)):
    application = submitted_application(facility)
    assessors = assign(application)
    finish_round(application, assessors, unclear=unclear)
    assert application.status == Status.CLARIFICATION_REQUESTED
    return application, assessors


def question(application, number):
    return Question.objects.get(standard__question_set=application.question_set, number=number)
