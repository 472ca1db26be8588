"""The rules that read a programme's award tiers (applications.AwardTier) and its decision path.

A programme's base award is its first tier without requirements (IO: Accredited Centre); a tier that requires the
extended criteria is what an application seeking Centre of Excellence seeks (``Application.seeks_excellence``).
"""
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.models import AwardTier
from applications.services import REACCREDITATION_WINDOW

from .models import Audit, Award, Decision


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def base_tier(programme):
    return AwardTier.objects.filter(
        programme=programme, requires_extended_criteria=False, requires_full_prior_period=False
    ).order_by("position", "pk").first()


def excellence_tier(programme):
    """The programme's tier judged on the extended criteria too, or None when it has none (SRS certification)."""
    return AwardTier.objects.filter(programme=programme, requires_extended_criteria=True).order_by("position", "pk").first()


def sought_tier(application):
    programme = application.question_set.programme
    return excellence_tier(programme) if application.seeks_excellence else base_tier(programme)


def held_full_period(award, today):
    """An award held for its whole validity: granted for the tier's full term, and run to the last six months
    of it, when re-accreditation opens (the higher award is sought at re-accreditation)."""
    return (add_years(award.granted_on, award.tier.validity_years) <= award.expires_on
            and today >= award.expires_on - REACCREDITATION_WINDOW)


def excellence_refusal(facility, programme, today=None):
    """Why ``facility`` may not seek its programme's Centre of Excellence now, or None when it may.

    A tier requiring the full prior period is open to a centre that has held an award of the programme (the base
    award, or the higher one it renews) for its full period.
    """
    tier = excellence_tier(programme)
    if tier is None:
        return _("%(programme)s has no award for the extended criteria.") % {"programme": programme.name}
    if not tier.requires_full_prior_period:
        return None
    today = today or timezone.localdate()
    awards = Award.objects.filter(facility=facility, tier__programme=programme).select_related("tier")
    if any(held_full_period(award, today) for award in awards):
        return None
    base = base_tier(programme)
    return _("%(tier)s is open to centres that have held the %(base)s award for its full period of %(years)d years.") % {
        "tier": tier.title, "base": base.title if base else programme.name,
        "years": base.validity_years if base else tier.validity_years,
    }


def excellence_offer(enrolment):
    """(the programme's tier judged on the extended criteria or None, why the enrolled facility may not seek it now or
    None), for the re-accreditation page and its service (applications.extensions)."""
    return excellence_tier(enrolment.programme), excellence_refusal(enrolment.facility, enrolment.programme)


@dataclass(frozen=True)
class AdverseDecisionReadiness:
    """Whether the steps the programme sets before a deferral or denial are done; ``missing`` says what is not."""

    missing: tuple

    def __bool__(self):
        return not self.missing


def adverse_decision_ready(application):
    """The one reading of what must precede a deferral or denial (IO, manual 3.1 step 8: two review rounds and a
    remote audit). The chairperson may decide earlier only with a written reason."""
    programme = application.question_set.programme
    missing = []
    needed = programme.rounds_before_adverse_decision
    closed = application.rounds.filter(closed_at__isnull=False).count()
    if closed < needed:
        missing.append(ngettext("%(closed)d of the %(needed)d review rounds has closed.",
                                "%(closed)d of the %(needed)d review rounds have closed.", closed)
                       % {"closed": closed, "needed": needed})
    if programme.remote_audit_before_adverse_decision and not application.audits.filter(
        kind=Audit.Kind.REMOTE, outcome_recorded_at__isnull=False
    ).exists():
        missing.append(_("No remote audit has an outcome yet."))
    return AdverseDecisionReadiness(tuple(missing))


def denial_awaiting_on_site_audit(application):
    """The latest denial of the application while no on-site audit after it has an outcome; None otherwise.

    Until that audit has an outcome, a new approval is impossible (manual 3.3).
    """
    denial = application.decisions.filter(outcome=Decision.Outcome.DENIED).order_by("-created_at").first()
    if denial is None or application.audits.filter(
        kind=Audit.Kind.ON_SITE, created_at__gt=denial.created_at, outcome_recorded_at__isnull=False
    ).exists():
        return None
    return denial
