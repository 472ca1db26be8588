"""Seed pretalx's side of the comparison and sign a reviewer in; prints the review page's path and cookie.

Run by bench/peer_pretalx.sh with pretalx's own virtualenv and configuration (PRETALX_CONFIG_FILE), after
`python -m pretalx migrate`. One event with its review phase open (pretalx opens it when the CfP has no
deadline), a few hundred proposals, five score categories, a review form of 52 reviewer questions (our
review page has 52 questions, each with a verdict form), 52 proposal questions answered by the speaker, and
three reviews of the measured proposal (one the reviewer's own, as our assessor has given half their
verdicts): a review page of about our page's size.
"""
import datetime
import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pretalx.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils.timezone import now  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from pretalx.event.models import Event, Organiser, Team  # noqa: E402
from pretalx.person.models import SpeakerProfile, User  # noqa: E402
from pretalx.submission.models import (  # noqa: E402
    Answer, AnswerOption, Question, Review, ReviewScore, ReviewScoreCategory, Submission, SubmissionType, Track,
)

PROPOSALS = 300
# Of each kind, as our 52 questions: to the speaker per proposal, and to the reviewer per review. pretalx's
# page takes a few queries per question and review, so its time grows with this (PRETALX_QUESTIONS).
QUESTIONS = int(os.environ.get("PRETALX_QUESTIONS", "52"))
TEXT = "The department keeps a register of its staff, their training and the audits of the last two years. "


def question_kinds(n):
    """A review form as an organiser would build it: yes/no, choices, numbers and free text."""
    return ["boolean", "choices", "text", "number"][n % 4]


def make_questions(event, target):
    questions = []
    for n in range(QUESTIONS):
        question = Question.objects.create(
            event=event, target=target, variant=question_kinds(n), position=n,
            question=f"{'Reviewer' if target == 'reviewer' else 'Proposal'} question {n + 1}: is the evidence for this criterion complete?",
            help_text="Say what is missing or unclear.",
        )
        if question.variant == "choices":
            for position, label in enumerate(("Met", "Partly met", "Not met", "Needs clarification")):
                AnswerOption.objects.create(question=question, answer=label, position=position)
        questions.append(question)
    return questions


def answer_value(question):
    return {"boolean": "True", "choices": "Met", "text": TEXT * 2, "number": "3"}[question.variant]


def add_answers(questions, **owner):
    for question in questions:
        answer = Answer.objects.create(question=question, answer=answer_value(question), **owner)
        if question.variant == "choices":
            answer.options.add(question.options.first())


def add_review(submission, user, categories, questions):
    review = Review.objects.create(submission=submission, user=user, text=TEXT * 3)
    review.scores.set(category.scores.order_by("value")[n % 5] for n, category in enumerate(categories))
    review.save()  # computes the total score from the categories
    add_answers(questions, review=review)


@scopes_disabled()
@transaction.atomic
def seed():
    organiser = Organiser.objects.create(name="Bench organiser", slug="benchorg")
    event = Event.objects.create(
        name="Bench conference", slug="bench", organiser=organiser, email="orga@bench.example",
        date_from=(now() + datetime.timedelta(days=60)).date(), date_to=(now() + datetime.timedelta(days=62)).date(),
        timezone="UTC", locale_array="en", locale="en",
    )
    with scope(event=event):
        event.build_initial_data()
        assert event.active_review_phase and event.active_review_phase.can_review
        talk = SubmissionType.objects.get(event=event)
        tracks = [Track.objects.create(event=event, name=f"Track {n}", color="#3aa57c") for n in range(4)]
        event.score_categories.all().delete()
        categories = []
        for n in range(5):
            category = ReviewScoreCategory.objects.create(event=event, name=f"Criterion {n + 1}", required=True)
            for value, label in enumerate(("Not met", "Weak", "Partly met", "Met", "Exemplary")):
                ReviewScore.objects.create(category=category, value=value, label=label)
            categories.append(category)
        proposal_questions = make_questions(event, "submission")
        review_questions = make_questions(event, "reviewer")

        reviewer = User.objects.create_user(email="reviewer@bench.example", password="bench-password", name="Bench Reviewer")
        colleagues = [User.objects.create_user(email=f"reviewer{n}@bench.example", password=None, name=f"Colleague {n}")
                      for n in range(2)]
        team = Team.objects.create(organiser=organiser, name="Reviewers", is_reviewer=True)
        team.limit_events.add(event)
        team.members.add(reviewer, *colleagues)

        speakers = User.objects.bulk_create(
            User(email=f"speaker{n}@bench.example", name=f"Speaker {n}", password="!") for n in range(PROPOSALS)
        )
        SpeakerProfile.objects.bulk_create(
            SpeakerProfile(user=speaker, event=event, biography=TEXT * 2) for speaker in speakers
        )
        submissions = []
        for n, speaker in enumerate(speakers):
            submission = Submission.objects.create(
                event=event, title=f"Proposal {n}: interventional oncology in practice", submission_type=talk,
                track=tracks[n % len(tracks)], abstract=TEXT * 2, description=TEXT * 6, notes=TEXT,
                content_locale="en",
            )
            submission.speakers.add(speaker)
            submissions.append(submission)
        measured = submissions[0]
        add_answers(proposal_questions, submission=measured)
        for user in (reviewer, *colleagues):
            add_review(measured, user, categories, review_questions)
    return event, measured, reviewer


def main():
    event, measured, reviewer = seed()
    path = f"/orga/event/{event.slug}/submissions/{measured.code}/reviews/"
    client = Client()
    client.force_login(reviewer)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:  # once warm, as for ours
        assert client.get(path).status_code == 200
    print(json.dumps({
        "path": path,
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "queries": len(queries),
        "what": f"5 score categories, {QUESTIONS} reviewer and {QUESTIONS} proposal questions; {PROPOSALS} proposals",
    }))


if __name__ == "__main__":
    main()
