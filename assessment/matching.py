"""Which two assessors should assess an application: conflicts of interest, expertise, workload and language.

The rules, for one application and one assessor:

- A **conflict** rules an assessor out, proposed never and refused when chosen (``conflicts``): a member of the
  assessed facility; the facility's institution or country is the assessor's own; the assessor declared a
  conflict with the facility, its institution or its country; the assessor assessed the facility's last decision
  and the programme asks for fresh assessors (``Programme.fresh_assessors_after_decision``); the assessor declined
  this application before.
- **Unsuitable now** keeps an assessor out of proposals, but the office may still choose them (``unsuitability``):
  they do not assess the programme, they are unavailable today, or they are at capacity (open assignments, i.e.
  on applications not yet decided, against the capacity of their profile).
- The two assessors of an application differ and **together bring every expertise** the programme requires
  (``RequiredExpertise``: an SRS certification needs a physicist for the site visit and a physician for the
  remote review).
- Among the pairs left, the proposal is the cheapest. An assessor costs 1 when they share no language with the
  facility's staff, plus the growth of their squared load relative to capacity, (L+1)² - L² over the capacity
  for the next application at load L. Summed over the pool, that squared-load term is smallest when the load is
  spread in proportion to capacity, so the same cost that picks one pair also balances the pool.

"Assign all waiting" (``propose_all``) solves every waiting application at once, as a mixed-integer programme
with SciPy's ``milp`` (HiGHS):

- x[a, i] = 1 when assessor i assesses application a; a variable exists only for pairs without a conflict and
  with the assessor suitable, so a conflict cannot be proposed (no big-M cost to tune or to leak through);
- y[a] = 1 when application a gets its pair: sum_i x[a, i] = 2·y[a]. x is binary, so the two are different
  assessors without a slot-by-slot symmetry;
- expertise: for each expertise e the programme requires, sum over the assessors i bringing e of x[a, i] >= y[a];
- load: sum_a x[a, i] = sum_k z[i, k], with one continuous z[i, k] in [0, 1] for each free place k of assessor i
  (capacity minus open assignments), costing (2(L_i + k) - 1) / capacity_i. The costs grow with k, so the
  solver fills the places in order and the sum is exactly the squared-load term above; capacity holds because
  there are no more places.

It is solved twice, lexicographically: first the most applications that can get a valid pair, then, with that
number fixed, the least cost. A single weighted objective would trade one more assigned application against
enough language mismatches elsewhere, and HiGHS' relative gap would blur a large weight.

``linear_sum_assignment`` alone (assessors expanded into capacity slots, two slots per application) cannot say
"the two slots of one application take different people who together bring the expertise"; the MILP says it
directly. SciPy rather than OR-Tools: SciPy is already a well-kept dependency of the scientific stack with wheels
for every platform, and its HiGHS solves this size (500 applications over 60 assessors) in seconds (see
bench/matching.py); OR-Tools would add a large wheel for no gain here.
"""
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

import numpy as np
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django_countries import countries
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, vstack

from applications.workflow import Status

# An assignment counts against capacity until its application is decided (a plan review brings it back).
DECIDED = (Status.APPROVED, Status.DEFERRED, Status.DENIED)
DEFAULT_CAPACITY = 3
LANGUAGE_MISMATCH_COST = 1.0


def normalised(text):
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Assessor:
    """An assessor as matching sees them: their profile, their open assignments, and whether they are away today."""

    id: int
    name: str
    facility_id: int | None = None
    country: str = ""
    institution: str = ""
    expertise: frozenset = frozenset()
    expertise_names: tuple = ()
    languages: frozenset = frozenset()
    programmes: frozenset = frozenset()  # empty: any programme
    conflict_facilities: frozenset = frozenset()
    conflict_institutions: frozenset = frozenset()
    conflict_countries: frozenset = frozenset()
    capacity: int = DEFAULT_CAPACITY
    load: int = 0
    unavailable_until: date | None = None

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Required:
    expertise_id: int
    name: str
    needed_for: str


@dataclass(frozen=True)
class Case:
    """An application as matching sees it. ``barred``: assessor id -> "last_decision" or "declined"."""

    id: int
    facility_id: int
    facility_name: str
    institution: str = ""
    country: str = ""
    languages: frozenset = frozenset()
    programme_id: int = 0
    required: tuple = ()
    barred: dict = field(default_factory=dict, hash=False)


def conflicts(assessor, case):
    """Why ``assessor`` may never assess ``case``, as sentences; empty when nothing stands against them."""
    reasons = []
    if assessor.facility_id == case.facility_id:
        reasons.append(_("belongs to the assessed facility"))
    if assessor.institution and assessor.institution == case.institution:
        reasons.append(_("works at the facility's institution"))
    if assessor.country and assessor.country == case.country:
        reasons.append(_("works in the facility's country (%(country)s)") % {"country": countries.name(case.country)})
    if case.facility_id in assessor.conflict_facilities:
        reasons.append(_("declared a conflict of interest with this facility"))
    if case.institution and case.institution in assessor.conflict_institutions:
        reasons.append(_("declared a conflict of interest with the facility's institution"))
    if case.country in assessor.conflict_countries:
        reasons.append(_("declared a conflict of interest with %(country)s") % {"country": countries.name(case.country)})
    barred = case.barred.get(assessor.id)
    if barred == "last_decision":
        reasons.append(_("assessed the facility's last decision, and this programme asks for fresh assessors"))
    elif barred == "declined":
        reasons.append(_("declined this application"))
    return reasons


def unsuitability(assessor, case, load):
    """Why ``assessor`` is not proposed for ``case`` now, though the office may choose them."""
    reasons = []
    if assessor.programmes and case.programme_id not in assessor.programmes:
        reasons.append(_("does not assess this programme"))
    if assessor.unavailable_until:
        reasons.append(_("unavailable until %(day)s") % {"day": assessor.unavailable_until.strftime("%d.%m.%Y")})
    if load >= assessor.capacity:
        reasons.append(_("at capacity (%(load)d of %(capacity)d)") % {"load": load, "capacity": assessor.capacity})
    return reasons


def is_proposable(assessor, case, load):
    return not conflicts(assessor, case) and not unsuitability(assessor, case, load)


def speaks_with(assessor, case):
    return not case.languages or bool(assessor.languages & case.languages)


def preference_cost(assessor, case):
    return 0.0 if speaks_with(assessor, case) else LANGUAGE_MISMATCH_COST


def load_cost(assessor, load):
    """What taking one more application costs at ``load``: the growth of load² / capacity."""
    return (2 * load + 1) / assessor.capacity


def cost(assessor, case, load):
    return preference_cost(assessor, case) + load_cost(assessor, load)


def covers(assessors, case):
    brought = frozenset().union(*(assessor.expertise for assessor in assessors))
    return all(required.expertise_id in brought for required in case.required)


def language_names(codes):
    return ", ".join(str(get_language_info(code)["name_translated"]) for code in sorted(codes))


def explain(assessor, case, load):
    """Why this assessor suits this application, one sentence a criterion, for the office."""
    reasons = [_("No conflict of interest with the facility, its institution or its country")]
    for required in case.required:
        if required.expertise_id in assessor.expertise:
            reasons.append(_("Brings %(expertise)s, needed for: %(step)s") % {"expertise": required.name, "step": required.needed_for})
    reasons.append(_("Workload: %(load)d of %(capacity)d applications before this one")
                   % {"load": load, "capacity": assessor.capacity})
    if not case.languages:
        reasons.append(_("The facility's staff have chosen no language yet"))
    elif speaks_with(assessor, case):
        reasons.append(_("Speaks the staff's language (%(languages)s)")
                       % {"languages": language_names(assessor.languages & case.languages)})
    else:
        reasons.append(_("Shares no language with the facility's staff (%(languages)s)")
                       % {"languages": language_names(case.languages)})
    return reasons


@dataclass
class Proposal:
    case: Case
    assessors: tuple
    loads_before: dict  # assessor id -> open assignments before this proposal
    reasons: dict = field(default_factory=dict)  # assessor id -> sentences

    def explained(self):
        """[(assessor, reasons)] for the page, explained when first asked (the benchmark never asks)."""
        for assessor in self.assessors:
            if assessor.id not in self.reasons:
                self.reasons[assessor.id] = explain(assessor, self.case, self.loads_before[assessor.id])
        return [(assessor, self.reasons[assessor.id]) for assessor in self.assessors]


def why_no_pair(case, pool, loads, keep=None):
    """Why no valid pair (or, with ``keep``, no valid partner for the remaining assessor) exists for ``case``."""
    available = [a for a in pool if is_proposable(a, case, loads[a.id]) and (keep is None or a.id != keep.id)]
    needed = 1 if keep else 2
    if len(available) < needed:
        return _("Only %(count)d assessors are free of conflicts, available and below capacity.") % {"count": len(available)}
    brought = frozenset().union(*(a.expertise for a in available + ([keep] if keep else [])))
    missing = [r.name for r in case.required if r.expertise_id not in brought]
    if missing:
        return _("No available assessor brings: %(expertise)s.") % {"expertise": ", ".join(missing)}
    return _("No two available assessors together bring: %(expertise)s.") % {
        "expertise": ", ".join(r.name for r in case.required)}


def best_pair(case, pool, loads, keep=None):
    """The cheapest valid pair for ``case`` at ``loads`` (every pair is tried: exact), or None.

    With ``keep`` (the assessor who stays after the other declined), the cheapest valid partner for them.
    """
    available = sorted((a for a in pool if is_proposable(a, case, loads[a.id])), key=lambda a: a.id)
    if keep is not None:
        pairs = ((keep, a) for a in available if a.id != keep.id)
    else:
        pairs = combinations(available, 2)
    best, best_cost = None, None
    for pair in pairs:
        if not covers(pair, case):
            continue
        total = sum(cost(a, case, loads[a.id]) for a in pair if a is not keep)
        if best is None or total < best_cost - 1e-9:
            best, best_cost = pair, total
    if best is None:
        return None
    return Proposal(case, best, {a.id: loads[a.id] for a in best})


@dataclass
class Plan:
    """Proposals for many applications: the pairs, those left without one and why, the loads that would result."""

    proposals: list
    unassignable: list  # [(case, reason)]
    loads: dict  # assessor id -> open assignments once the plan is confirmed
    cost: float = 0.0

    @property
    def assigned(self):
        return len(self.proposals)


def plan_cost(proposals, pool, loads):
    """The objective of a plan: language mismatches plus, per assessor, (L² - L0²) / capacity."""
    language = sum(preference_cost(a, p.case) for p in proposals for a in p.assessors)
    return language + sum((loads[a.id] ** 2 - a.load ** 2) / a.capacity for a in pool)


def _finish(proposals, unassigned, pool, loads):
    unassignable = [(case, why_no_pair(case, pool, loads)) for case in unassigned]
    return Plan(proposals, unassignable, loads, plan_cost(proposals, pool, loads))


def propose_greedily(cases, pool):
    """The baseline: each application in turn takes the best pair left. Fast, and not optimal."""
    loads = {a.id: a.load for a in pool}
    proposals, unassigned = [], []
    for case in cases:
        proposal = best_pair(case, pool, loads)
        if proposal is None:
            unassigned.append(case)
            continue
        proposals.append(proposal)
        for assessor in proposal.assessors:
            loads[assessor.id] += 1
    return _finish(proposals, unassigned, pool, loads)


def propose_all(cases, pool, time_limit=60):
    """Pairs for every application in ``cases`` at once: the most applications, then the least cost (module docstring)."""
    loads = {a.id: a.load for a in pool}
    pairs = [(c, i) for c, case in enumerate(cases) for i, a in enumerate(pool) if is_proposable(a, case, loads[a.id])]
    places = [(i, k) for i, a in enumerate(pool) for k in range(1, max(a.capacity - a.load, 0) + 1)]
    n_x, n_y, n_z = len(pairs), len(cases), len(places)
    if not n_x:
        return _finish([], list(cases), pool, loads)
    y0, z0 = n_x, n_x + n_y
    rows, cols, vals, lower, upper = [], [], [], [], []

    def constraint(entries, low, high):
        row = len(lower)
        for col, val in entries:
            rows.append(row), cols.append(col), vals.append(val)
        lower.append(low), upper.append(high)

    x_of_case = [[] for _ in cases]
    x_of_assessor = [[] for _ in pool]
    for x, (c, i) in enumerate(pairs):
        x_of_case[c].append(x)
        x_of_assessor[i].append(x)
    for c, case in enumerate(cases):
        constraint([(x, 1) for x in x_of_case[c]] + [(y0 + c, -2)], 0, 0)
        for required in case.required:
            bringing = [(x, 1) for x in x_of_case[c] if required.expertise_id in pool[pairs[x][1]].expertise]
            constraint(bringing + [(y0 + c, -1)], 0, np.inf)
    z_of_assessor = [[] for _ in pool]
    for z, (i, _k) in enumerate(places):
        z_of_assessor[i].append(z0 + z)
    for i in range(len(pool)):
        constraint([(x, 1) for x in x_of_assessor[i]] + [(z, -1) for z in z_of_assessor[i]], 0, 0)
    n = n_x + n_y + n_z
    matrix = coo_array((vals, (rows, cols)), shape=(len(lower), n)).tocsr()
    integrality = np.r_[np.ones(n_x + n_y), np.zeros(n_z)]
    bounds = Bounds(np.zeros(n), np.ones(n))
    options = {"time_limit": time_limit, "mip_rel_gap": 0}

    # First the most applications with a valid pair ...
    most = np.zeros(n)
    most[y0:z0] = -1
    first = milp(most, constraints=LinearConstraint(matrix, lower, upper), integrality=integrality, bounds=bounds,
                 options=options)
    assigned = round(-first.fun) if first.x is not None else 0
    # ... then, as many, the least cost.
    cheapest = np.zeros(n)
    cheapest[:n_x] = [preference_cost(pool[i], cases[c]) for c, i in pairs]
    cheapest[z0:] = [(2 * (pool[i].load + k) - 1) / pool[i].capacity for i, k in places]
    count_row = coo_array((np.ones(n_y), (np.zeros(n_y, dtype=int), np.arange(y0, z0))), shape=(1, n)).tocsr()
    second = milp(cheapest, constraints=LinearConstraint(vstack([matrix, count_row]), lower + [assigned], upper + [np.inf]),
                  integrality=integrality, bounds=bounds, options=options)
    solution = second.x if second.x is not None else first.x
    proposals, unassigned = [], []
    chosen = [[] for _ in cases]
    if solution is not None:
        for x, (c, i) in enumerate(pairs):
            if solution[x] > 0.5:
                chosen[c].append(pool[i])
    for c, case in enumerate(cases):
        if len(chosen[c]) == 2:
            proposals.append(Proposal(case, tuple(chosen[c]), {a.id: loads[a.id] for a in chosen[c]}))
        else:
            unassigned.append(case)
    new_loads = dict(loads)
    for proposal in proposals:
        for assessor in proposal.assessors:
            new_loads[assessor.id] += 1
    return _finish(proposals, unassigned, pool, new_loads)


# Reading the pool and the applications from the database -----------------------------------------------------

def load_pool(ids=None, today=None):
    """Every active assessor (or those of ``ids``) as an ``Assessor``, in six queries whatever the pool's size."""
    from facilities.models import Membership, User

    from .models import Assignment, AssessorProfile, Unavailability

    today = today or timezone.localdate()
    people = User.objects.filter(is_assessor=True, is_active=True)
    if ids is not None:
        people = people.filter(pk__in=ids)
    people = list(people.order_by("pk"))
    profiles = {p.assessor_id: p for p in AssessorProfile.objects.filter(assessor__in=[u.pk for u in people]).prefetch_related(
        "programmes", "expertise", "conflict_facilities",
        Prefetch("unavailability", queryset=Unavailability.objects.filter(starts_on__lte=today, ends_on__gte=today),
                 to_attr="unavailable_today"),
    )}
    facility_of = dict(Membership.objects.filter(user__in=[u.pk for u in people]).values_list("user_id", "facility_id"))
    loads = dict(Assignment.objects.filter(assessor__in=[u.pk for u in people]).exclude(application__status__in=DECIDED)
                 .values("assessor").annotate(n=Count("pk")).values_list("assessor", "n"))
    pool = []
    for user in people:
        profile = profiles.get(user.pk)
        details = {}
        if profile is not None:
            details = {
                "country": profile.country.code or "",
                "institution": normalised(profile.institution),
                "expertise": frozenset(e.pk for e in profile.expertise.all()),
                "expertise_names": tuple(e.name for e in profile.expertise.all()),
                "languages": frozenset(profile.languages),
                "programmes": frozenset(p.pk for p in profile.programmes.all()),
                "conflict_facilities": frozenset(f.pk for f in profile.conflict_facilities.all()),
                "conflict_institutions": frozenset(normalised(line) for line in profile.conflict_institution_list()),
                "conflict_countries": frozenset(c.code for c in profile.conflict_countries),
                "capacity": profile.capacity,
                "unavailable_until": max((p.ends_on for p in profile.unavailable_today), default=None),
            }
        pool.append(Assessor(id=user.pk, name=str(user), facility_id=facility_of.get(user.pk), load=loads.get(user.pk, 0),
                             **details))
    return pool


def load_cases(applications):
    """``applications`` (with their facility and programme) as ``Case`` rows, in at most five queries."""
    from facilities.models import Membership

    from .models import Assignment, Decision, Declination, RequiredExpertise

    applications = list(applications)
    facility_ids = {a.facility_id for a in applications}
    programme_of = {a.pk: a.question_set.programme for a in applications}
    languages = {}
    for facility_id, language in Membership.objects.filter(facility__in=facility_ids).exclude(user__language="").values_list(
            "facility_id", "user__language"):
        languages.setdefault(facility_id, set()).add(language)
    required = {}
    for row in RequiredExpertise.objects.filter(programme__in={p.pk for p in programme_of.values()}).select_related("expertise"):
        required.setdefault(row.programme_id, []).append(Required(row.expertise_id, row.expertise.name, row.needed_for))
    barred = {a.pk: {} for a in applications}
    strict = [a for a in applications if programme_of[a.pk].fresh_assessors_after_decision]
    if strict:
        latest = {}  # facility -> the application of its last decision
        for facility_id, application_id in Decision.objects.filter(
                application__facility__in={a.facility_id for a in strict}).order_by("created_at", "pk").values_list(
                "application__facility_id", "application_id"):
            latest[facility_id] = application_id
        assessed = {}
        for application_id, assessor_id in Assignment.objects.filter(application__in=latest.values()).values_list(
                "application_id", "assessor_id"):
            assessed.setdefault(application_id, set()).add(assessor_id)
        for application in strict:
            for assessor_id in assessed.get(latest.get(application.facility_id), ()):
                barred[application.pk][assessor_id] = "last_decision"
    for application_id, assessor_id in Declination.objects.filter(application__in=barred).values_list("application_id", "assessor_id"):
        barred[application_id][assessor_id] = "declined"
    return [
        Case(id=a.pk, facility_id=a.facility_id, facility_name=a.facility.name, institution=normalised(a.facility.institution),
             country=a.facility.country.code or "", languages=frozenset(languages.get(a.facility_id, ())),
             programme_id=programme_of[a.pk].pk, required=tuple(required.get(programme_of[a.pk].pk, ())),
             barred=barred[a.pk])
        for a in applications
    ]


def waiting_applications():
    """Submitted applications waiting for their assessors, oldest submission first."""
    from applications.models import Application

    return Application.objects.filter(status=Status.SUBMITTED).select_related(
        "facility", "question_set__programme").order_by("submitted_at", "pk")


def free_slots(application):
    """The assessor slots of an application under way that a declination has left empty."""
    taken = {a.slot for a in application.assignments.all()}
    return [slot for slot in (1, 2) if slot not in taken]

