"""The rules of an application: opening it, saving answers without lost updates, and submitting it."""
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from facilities import audit
from facilities.audit import changed_fields
from facilities.models import ENROLLED_STATUSES, Enrolment
from facilities.permissions import can_submit_application
from facilities.services import locked, locked_enrolment

from . import extensions
from .models import (
    Answer, AnswerRevision, Application, AssessmentPath, DepartmentChange, EnrolmentDeclaration, Question,
)
from .progress import answer_has_content, compute_progress
from .signals import reaccreditation_started
from .workflow import advance

def application_is_open_for(enrolment):
    return enrolment.status in ENROLLED_STATUSES


def _current_application(enrolment):
    # Its pages name the programme and the question set version: read with it, not afterwards.
    return Application.objects.filter(enrolment=enrolment).select_related("question_set__programme").order_by(
        "-started_at").first()


def open_application(enrolment):
    """The enrolment's current application, started on the programme's current question set when there is none."""
    application = _current_application(enrolment)
    if application is None:
        with transaction.atomic():
            # Two first visits at once start one application: the second waits for the enrolment row, then finds it.
            enrolment = locked_enrolment(enrolment)
            application = _current_application(enrolment) or Application.objects.create(
                facility=enrolment.facility, enrolment=enrolment,
                question_set=enrolment.programme.current_question_set(),
            )
    return application


def lock_application(**lookup):
    """The application's row, re-read and locked until the transaction ends.

    Submission and resubmission take the same lock, so a check that the application is still editable,
    made under it, still holds when the write that follows commits.
    """
    return Application.objects.select_for_update(of=("self",)).select_related("facility").get(**lookup)


REACCREDITATION_WINDOW = timedelta(days=183)  # re-accreditation opens six months before an award expires


def reaccreditation_opens_on(enrolment):
    """The day a centre that holds or held an award of the programme may start its re-accreditation; None if it never
    held one."""
    if not enrolment.award_expires_on or enrolment.status == Enrolment.Status.REGISTERED:
        return None
    return enrolment.award_expires_on - REACCREDITATION_WINDOW


def reaccreditation_path(pathway, department_changes):
    """The path a re-accreditation follows: the streamlined one when the centre declares no major change and its
    pathway offers one; the full assessment otherwise."""
    if not department_changes and pathway.offers_streamlined_path():
        return AssessmentPath.STREAMLINED
    return AssessmentPath.FULL


@transaction.atomic
def start_reaccreditation(enrolment, user, *, seeks_excellence=False, department_changes=(), department_changes_described=""):
    """A new application on the programme's current question set; the one that led to the award stays as it was.

    It starts from a copy of the awarded application's answers, each marked for review. The centre declares
    what changed substantially in its department since (``department_changes``: DepartmentChange codes).
    Centre of Excellence is sought at re-accreditation, by a centre that has held the award for its full period.
    The declaration decides the assessment's path (``reaccreditation_path``), and invoicing issues the programme's
    fee for it, in this transaction, on the ``reaccreditation_started`` signal.
    """
    unknown = set(department_changes) - set(DepartmentChange.values)
    if unknown:
        raise ValidationError(_("Choose what changed from the list."))
    if department_changes and not department_changes_described.strip():
        raise ValidationError(_("Describe what changed in your department."))
    enrolment = locked_enrolment(enrolment)
    facility = enrolment.facility
    if not can_submit_application(user, facility):
        raise PermissionDenied
    if seeks_excellence:
        refusal = extensions.excellence_offer(enrolment)[1]
        if refusal:
            raise ValidationError({"seeks_excellence": refusal})
    opens_on = reaccreditation_opens_on(enrolment)
    if opens_on is None:
        raise ValidationError(_("Re-accreditation is for accredited centres."))
    if timezone.localdate() < opens_on:
        raise ValidationError(
            _("Re-accreditation opens on %(date)s, six months before the award expires.") % {"date": date_format(opens_on)}
        )
    awarded = open_application(enrolment)
    if awarded.status != Application.Status.APPROVED:
        raise ValidationError(_("Your re-accreditation has already started."))
    pathway = enrolment.programme.current_pathway()
    application = Application.objects.create(
        facility=facility, enrolment=enrolment, question_set=enrolment.programme.current_question_set(),
        seeks_excellence=seeks_excellence,
        renews=awarded, department_changes=sorted(department_changes),
        department_changes_described=department_changes_described.strip() if department_changes else "",
        pathway=pathway, assessment_path=reaccreditation_path(pathway, department_changes),
    )
    carry_over_answers(awarded, application, user)
    audit.record(
        "application.reaccreditation_started",
        gettext_noop("Re-accreditation started, applying for Centre of Excellence") if seeks_excellence
        else gettext_noop("Re-accreditation started"),
        actor=user, facility=facility, target=application,
        changes=changed_fields({}, {
            "department_changes": ", ".join(application.department_changes) or "none",
            "department_changes_described": application.department_changes_described,
            "assessment_path": application.assessment_path,
        }),
    )
    reaccreditation_started.send(sender=Application, application=application, user=user)
    return application


def carry_over_answers(previous, application, user):
    """Copy ``previous``'s answers into ``application``, each marked for review.

    A new version of the question bank keeps a criterion's code (e.g. 3(c)), so an answer follows its
    criterion (the n-th question on a criterion to the n-th, where a criterion has several); a criterion the new
    version no longer asks is left behind.
    """
    def by_criterion(question_set_id):
        keyed, seen = {}, {}
        for question in Question.objects.filter(standard__question_set_id=question_set_id).order_by(
            "standard__number", "number"
        ):
            seen[question.criterion] = seen.get(question.criterion, 0) + 1
            keyed[question.criterion, seen[question.criterion]] = question
        return keyed

    new_questions = by_criterion(application.question_set_id)
    old_keys = {question.pk: key for key, question in by_criterion(previous.question_set_id).items()}
    now = timezone.now()
    carried = []
    for answer in Answer.objects.filter(application=previous):
        question = new_questions.get(old_keys.get(answer.question_id))
        if question is None or not answer_has_content(answer):
            continue
        carried.append(Answer(
            application=application, question=question, choice=answer.choice, evidence=answer.evidence,
            explanation=answer.explanation if question.asks_explanation else "", version=1,
            updated_at=now, updated_by=user, needs_review=True,
        ))
    Answer.objects.bulk_create(carried)
    AnswerRevision.objects.bulk_create(
        AnswerRevision(answer=a, version=1, choice=a.choice, evidence=a.evidence, explanation=a.explanation,
                       changed_by=user, changed_at=now)
        for a in carried
    )
    return len(carried)


def editable_question_ids(application, questions):
    """Every question while in preparation; while replying to assessors, only those their comments concern."""
    if application.is_editable:
        return {q.pk for q in questions}
    return extensions.reopened_question_ids(application)


def question_is_editable(application, question):
    return application.is_editable or question.pk in extensions.reopened_question_ids(application)


def questions_of(application):
    return list(
        Question.objects.filter(standard__question_set_id=application.question_set_id)
        .select_related("standard")
        .order_by("number")
    )


def answers_of(application):
    return {a.question_id: a for a in Answer.objects.filter(application=application).select_related("updated_by")}


def case_review_state(application):
    """The state of the internal case review behind questions 13, 30 and 36 (see casereview.services)."""
    return extensions.case_review_state(application)


def progress_of(application, questions=None, answers=None):
    questions = questions_of(application) if questions is None else questions
    answers = answers_of(application) if answers is None else answers
    return compute_progress(questions, answers, case_review_state(application), application.seeks_excellence)


@dataclass
class SaveConflict(Exception):
    """Someone else saved this answer since the user loaded it; ``current`` is their version."""

    current: Answer


def save_answer(application, question, user, *, choice, evidence, explanation, base_version):
    """Store one answer if nobody changed it since ``base_version``; record the revision.

    Raises ValidationError for bad input or a locked application, SaveConflict for a stale version.
    Nothing is written in either case.
    """
    if question.standard.question_set_id != application.question_set_id:
        raise ValidationError(_("This question does not belong to your application."))
    if choice not in ("", Answer.Choice.YES, Answer.Choice.NO):
        raise ValidationError(_("Choose Yes or No."))
    if not question.asks_explanation:
        explanation = ""
    try:
        with transaction.atomic():
            application = lock_application(pk=application.pk)
            if not question_is_editable(application, question):
                raise ValidationError(_("This application has been submitted and can no longer be changed."))
            now = timezone.now()
            # Saving a carried-over answer, changed or not, is the facility's review of it.
            values = {
                "choice": choice, "evidence": evidence, "explanation": explanation, "updated_at": now, "updated_by": user,
                "needs_review": False,
            }
            if base_version == 0:
                answer = Answer.objects.create(application=application, question=question, version=1, **values)
            else:
                updated = Answer.objects.filter(
                    application=application, question=question, version=base_version
                ).update(version=F("version") + 1, **values)
                if not updated:
                    raise SaveConflict(_current_answer(application, question))
                answer = Answer.objects.get(application=application, question=question)
            AnswerRevision.objects.create(
                answer=answer, version=answer.version, choice=choice, evidence=evidence,
                explanation=explanation, changed_by=user, changed_at=now,
            )
    except IntegrityError:
        # Two first saves raced: the other one created the answer.
        raise SaveConflict(_current_answer(application, question))
    return answer


def _current_answer(application, question):
    return Answer.objects.select_related("updated_by").get(application=application, question=question)


@transaction.atomic
def submit_application(application, user):
    """The authorised representative submits a complete application; afterwards it is read-only."""
    application = Application.objects.select_for_update().select_related("facility").get(pk=application.pk)
    if not can_submit_application(user, application.facility):
        raise PermissionDenied
    progress = progress_of(application)
    if application.is_editable and progress.to_review:
        count = len(progress.to_review)
        raise ValidationError(
            ngettext("%(count)d answer carried over from your last application is still to be reviewed.",
                     "%(count)d answers carried over from your last application are still to be reviewed.",
                     count) % {"count": count}
        )
    if application.is_editable and not progress.core_done:
        count = len(progress.incomplete_core)
        raise ValidationError(
            ngettext("%(count)d core question is still incomplete.", "%(count)d core questions are still incomplete.",
                     count) % {"count": count}
        )
    if application.is_editable and not progress.extended_ready:
        count = len(progress.incomplete_extended)
        raise ValidationError(
            ngettext("A Centre of Excellence application needs every extended question too: %(count)d is incomplete.",
                     "A Centre of Excellence application needs every extended question too: %(count)d are incomplete.",
                     count) % {"count": count}
        )
    if application.is_editable and progress.review_problems:
        raise ValidationError(
            [_("The internal case review does not meet the manual's rules:")] + list(progress.review_problems)
        )
    application.submitted_at = timezone.now()
    application.submitted_by = user
    advance(application, "submit", user, gettext_noop("Application submitted by %(user)s"), {"user": user})
    return application


def record_declarations(facility, programme, declarations):
    """Keep what a registering facility declared to its programme's requirements, and say so in the audit trail.

    declarations: (requirement, value) pairs from a valid RegistrationRequirementsForm. Call inside the
    registration's transaction.
    """
    with translation.override(settings.LANGUAGE_CODE):  # the record keeps the requirements' wording in English
        programme_name = programme.name
        rows = [
            EnrolmentDeclaration(
                facility=facility, programme=programme, requirement=requirement, code=requirement.code,
                label=requirement.label, value=value,
            )
            for requirement, value in declarations
        ]
    EnrolmentDeclaration.objects.bulk_create(rows)
    if rows:
        audit.record(
            "facility.declared",
            gettext_noop("Registration requirements of %(programme)s declared"), {"programme": programme_name},
            actor=None, facility=facility, target=facility,
            changes={row.label: row.value for row in rows},
        )
