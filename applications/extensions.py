"""What the apps above applications tell it about an application, so that applications imports none of them.

An application's completeness waits for its internal case review (casereview); while the facility replies to
the assessors, only the questions they reopened may change, and a submitted application's page shows the
history of its assessment, and whether the facility may seek the programme's higher award, which its past
awards decide, and whether the pathway's required steps have their outcomes, which the decision waits for
(assessment). Each of those apps registers its answer here in its AppConfig.ready();
applications asks through the functions below only.
"""
from django.core.exceptions import ImproperlyConfigured

_registered = {}


def register(**functions):
    """Called from an AppConfig.ready(): ``case_review_state``, ``reopened_question_ids``, ``timeline`` or
    ``excellence_offer`` or ``required_steps_recorded``."""
    unknown = set(functions) - {
        "case_review_state", "reopened_question_ids", "timeline", "excellence_offer", "required_steps_recorded",
    }
    if unknown:
        raise ImproperlyConfigured(f"applications has no extension point {', '.join(sorted(unknown))}")
    _registered.update(functions)


def _registered_function(name):
    try:
        return _registered[name]
    except KeyError:
        raise ImproperlyConfigured(f"No installed app has registered applications' {name}.") from None


def case_review_state(application):
    """The internal case review's state (casereview.services.ReviewState) that the completeness rules read."""
    return _registered_function("case_review_state")(application)


def reopened_question_ids(application):
    """The ids of the questions the assessors' clarification requests reopened; empty when none are."""
    return _registered_function("reopened_question_ids")(application)


def timeline(application, user):
    """Everything that happened to the application since its submission, as far as ``user`` may see it."""
    return _registered_function("timeline")(application, user)


def excellence_offer(enrolment):
    """(the programme's tier judged on the extended criteria or None, why the facility may not seek it now or None)."""
    return _registered_function("excellence_offer")(enrolment)


def required_steps_recorded(application):
    """Whether every step the application's pathway requires before a decision has its outcome."""
    return _registered_function("required_steps_recorded")(application)
