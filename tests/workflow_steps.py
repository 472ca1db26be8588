"""Walk an application through the assessment workflow with the real services, for tests."""
from django.core.files.base import ContentFile

from applications.models import Question
from applications.services import open_application
from applications.workflow import Status
from assessment import services
from assessment.models import Verdict

from .factories import AssessorFactory, OfficeUserFactory, answer_questions, complete_case_review, core_questions, enrolment_of


def submitted_application(facility):
    """A complete application submitted by the facility's authorised representative."""
    from applications.services import submit_application

    application = open_application(enrolment_of(facility))
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


def pass_expert_steps(application, office=None):
    """Every expert step of the application's path (SRS: site visit, dosimetry audit, remote review) scheduled by
    the office and passed by the first assessor, so that a decision may follow."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from applications.models import PathwayStep
    from assessment import steps
    from assessment.models import RemoteReview, StepOutcome

    office = office or OfficeUserFactory()
    expert = application.assignments.select_related("assessor").first().assessor
    today = timezone.localdate()
    for step in application.path_steps():
        if step.kind == PathwayStep.Kind.SITE_VISIT:
            visit = steps.schedule_step(application, office, step, expert=expert, starts_on=today,
                                        ends_on=today + timedelta(days=1), agenda="Two days.")
            steps.record_site_visit(visit, expert, {area.pk: (True, "") for area in step.areas.all()})
        elif step.kind == PathwayStep.Kind.DOSIMETRY_AUDIT:
            dosimetry = steps.schedule_step(application, office, step, expert=expert, performed_on=today)
            steps.record_dosimetry_point(dosimetry, expert, label="Target 1", planned_dose_gy=Decimal("20"),
                                         measured_dose_gy=Decimal("20.2"))
            steps.complete_dosimetry_audit(dosimetry, expert)
        elif step.kind == PathwayStep.Kind.REMOTE_REVIEW:
            review = steps.schedule_step(application, office, step, expert=expert,
                                         held_at=timezone.now() + timedelta(hours=1), video_link="https://video.example/r")
            RemoteReview.objects.filter(pk=review.pk).update(held_at=timezone.now() - timedelta(minutes=5))
            review.refresh_from_db()
            steps.record_remote_review(review, expert, outcome=StepOutcome.PASSED, notes="Sound practice.")
