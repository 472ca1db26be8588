"""The rules of the internal case review: entering and drawing cases, checking them, and the review's state.

Every write is here. A review holds at most 30 cases of procedures from the 12 months before
submission, covering at least 3 tumour types (checked again at submission); it is read-only once its
application has been submitted. Every write locks the application's row, the row submission locks, and
checks under that lock that the application is still editable.
"""
import csv
import hashlib
import io
import json
import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from applications.services import lock_application
from facilities import audit

from .models import CaseDraw, CaseReview, CaseReviewExport, DatasetItem, ReviewCase, ReviewCaseRevision

REVIEW_SIZE = 30
MIN_TUMOUR_TYPES = 3
MAX_LIST_RECORDS = 20_000
MAX_LISTED_ERRORS = 25
LIST_COLUMNS = ("record_identifier", "procedure_date", "tumour_type")
IDENTIFIER_LIMIT = ReviewCase._meta.get_field("record_identifier").max_length
TUMOUR_TYPE_LIMIT = ReviewCase._meta.get_field("tumour_type").max_length


# --- Reading the review ---------------------------------------------------------------------------


def open_case_review(application):
    review, _created = CaseReview.objects.get_or_create(application=application)
    return review


def active_items():
    return list(DatasetItem.objects.filter(is_active=True).select_related("group"))


def cases_of(application, items):
    """The application's cases in entry order, each with ``present``: the ids of the given items its record holds.

    Two queries whatever the number of cases: the cases, then the (case, item) pairs of their checklists as plain
    values. A filtered count per item in one query cost more to build and aggregate than both together.
    """
    cases = list(ReviewCase.objects.filter(review__application=application).order_by("pk"))
    wanted = {item.pk for item in items}
    present = {case.pk: set() for case in cases}
    pairs = ReviewCase.present_items.through.objects.filter(reviewcase__review__application=application)
    for case_id, item_id in pairs.values_list("reviewcase_id", "datasetitem_id"):
        if item_id in wanted:
            present[case_id].add(item_id)
    for number, case in enumerate(cases, start=1):
        case.number = number
        case.present = present[case.pk]
    return cases


@dataclass(frozen=True)
class ReviewState:
    """What the application's completeness rules need to know about the case review."""

    cases_entered: int = 0
    cases_done: int = 0
    missing_criteria: frozenset = frozenset()
    size: int = REVIEW_SIZE
    # The manual's eligibility rules, as of the submission date: why the review cannot be submitted as it stands.
    eligibility_problems: tuple = ()

    @property
    def cases_complete(self):
        return self.cases_done >= self.size


def state_of(cases, items, as_of=None):
    missing = {item.group.criterion for case in cases for item in items if item.pk not in case.present}
    return ReviewState(
        cases_entered=len(cases), cases_done=sum(case.is_complete for case in cases), missing_criteria=frozenset(missing),
        eligibility_problems=tuple(eligibility_problems(cases, as_of)),
    )


def submission_date(application):
    """The day the 12-month window ends: the submission date, or today while the application is prepared."""
    return timezone.localdate(application.submitted_at) if application.submitted_at else timezone.localdate()


def cases_outside_window(cases, as_of):
    start, end = procedure_window(as_of)
    return [case for case in cases if case.procedure_date and not start <= case.procedure_date <= end]


def eligibility_problems(cases, as_of=None):
    """Which cases, or which rule, break the manual's eligibility: procedures of the 12 months before
    submission, at least 3 tumour types. Cases without a date are incomplete, which is reported elsewhere."""
    problems = []
    outside = cases_outside_window(cases, as_of)
    if outside:
        start, end = procedure_window(as_of)
        problems.append(
            _("Procedure dates outside the 12 months before submission (%(start)s to %(end)s): %(cases)s.") % {
                "start": start.isoformat(), "end": end.isoformat(),
                "cases": "; ".join(
                    _("case %(number)d, %(identifier)s (%(date)s)")
                    % {"number": case.number, "identifier": case.record_identifier, "date": case.procedure_date.isoformat()}
                    for case in outside
                ),
            }
        )
    covered = len(tumour_types(cases))
    if covered < MIN_TUMOUR_TYPES:
        problems.append(_tumour_type_shortfall(covered))
    return problems


def _tumour_type_shortfall(covered):
    return ngettext(
        "The cases cover %(count)d tumour type; the review must cover at least %(minimum)d.",
        "The cases cover %(count)d tumour types; the review must cover at least %(minimum)d.",
        covered,
    ) % {"count": covered, "minimum": MIN_TUMOUR_TYPES}


def review_state(application):
    """The state of the review behind the case review questions (3c, 7b, 8d); three queries."""
    items = active_items()
    return state_of(cases_of(application, items), items, submission_date(application))


def tumour_type_key(text):
    return " ".join(text.split()).casefold()


def tumour_types(cases):
    """Distinct tumour types as (name, number of cases), compared case-insensitively; the first spelling is shown."""
    found = {}
    for case in cases:
        if case.tumour_type:
            found.setdefault(tumour_type_key(case.tumour_type), [case.tumour_type, 0])[1] += 1
    return sorted((tuple(entry) for entry in found.values()), key=lambda entry: entry[0].casefold())


@dataclass
class ItemCount:
    item: DatasetItem
    held: int


@dataclass
class ReviewSummary:
    state: ReviewState
    cases: list
    groups: list  # [(DatasetGroup, [ItemCount, ...]), ...]
    tumour_types: list
    draws: list
    as_of: date  # the day the 12-month window ends (see submission_date)

    @property
    def incomplete_cases(self):
        return [case for case in self.cases if not case.is_complete]

    @property
    def percent(self):
        return round(100 * self.state.cases_done / self.state.size)

    @property
    def to_enter(self):
        return self.state.size - self.state.cases_entered

    @property
    def item_total(self):
        return sum(len(counts) for _group, counts in self.groups)

    @property
    def few_tumour_types(self):
        return len(self.tumour_types) < MIN_TUMOUR_TYPES

    @property
    def window(self):
        return procedure_window(self.as_of)

    @property
    def cases_outside_window(self):
        return cases_outside_window(self.cases, self.as_of)


def summarise_review(application):
    """Progress over the cases, per item how many records hold it, the tumour types covered, and the draws."""
    items = active_items()
    cases = cases_of(application, items)
    groups = {}
    for item in items:
        missing_in = [case for case in cases if item.pk not in case.present]
        groups.setdefault(item.group, []).append(ItemCount(item, len(cases) - len(missing_in)))
    for case in cases:
        case.missing_items = [item for item in items if item.pk not in case.present]
    as_of = submission_date(application)
    draws = list(CaseDraw.objects.filter(review__application=application).select_related("drawn_by"))
    return ReviewSummary(state_of(cases, items, as_of), cases, list(groups.items()), tumour_types(cases), draws, as_of)


# --- The rules of a single case -------------------------------------------------------------------


def procedure_window(today=None):
    """Procedures from the same day one year ago up to today are eligible (the 12 months before submission)."""
    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start, today


def procedure_date_problem(value, today=None):
    start, end = procedure_window(today)
    if value > end:
        return _("The procedure date %(date)s is in the future.") % {"date": value.isoformat()}
    if value < start:
        return _(
            "The procedure date %(date)s is more than 12 months ago: only procedures from %(start)s to %(end)s are eligible."
        ) % {"date": value.isoformat(), "start": start.isoformat(), "end": end.isoformat()}
    return None


def _lock_editable_application(review):
    """The review's application, re-read under the row lock submission takes; refused once it is submitted.

    Every write to the cases goes through here first, so writes to one review queue up (the 30-case
    limit holds) and none can land after a submission that committed while the user was typing.
    """
    application = lock_application(case_review=review.pk)
    if not application.is_editable:
        raise ValidationError(_("The application has been submitted: the case review can no longer be changed."))
    return application


def _case_problems(review, record_identifier, procedure_date, *, other_than=None, date_changed=True):
    problems = {}
    duplicates = review.cases.filter(record_identifier__iexact=record_identifier)
    if other_than is not None:
        duplicates = duplicates.exclude(pk=other_than.pk)
    if duplicates.exists():
        problems["record_identifier"] = _duplicate_message(record_identifier)
    # A date stored while it was eligible stays acceptable as the months pass; only a new date is checked.
    if procedure_date is not None and date_changed:
        problem = procedure_date_problem(procedure_date)
        if problem:
            problems["procedure_date"] = problem
    if problems:
        raise ValidationError(problems)


def _duplicate_message(record_identifier):
    return _("The record %(identifier)s is already one of the cases.") % {"identifier": record_identifier}


def add_review_case(review, user, *, record_identifier, procedure_date=None, tumour_type=""):
    """Add one case entered by hand. Raises ValidationError (nothing stored) for a 31st case, a duplicate or a bad date."""
    record_identifier = record_identifier.strip()
    try:
        with transaction.atomic():
            application = _lock_editable_application(review)
            if review.cases.count() >= REVIEW_SIZE:
                raise ValidationError(
                    _("The review already has %(size)d cases. Delete one before adding another.") % {"size": REVIEW_SIZE}
                )
            _case_problems(review, record_identifier, procedure_date)
            case = ReviewCase.objects.create(
                review=review,
                record_identifier=record_identifier,
                procedure_date=procedure_date,
                tumour_type=" ".join(tumour_type.split()),
                updated_at=timezone.now(),
                updated_by=user,
            )
            audit.record(
                "casereview.case_added",
                gettext_noop("Case %(identifier)s added to the case review"), {"identifier": case.record_identifier},
                actor=user,
                facility=application.facility,
                target=case,
            )
    except IntegrityError:
        # Two people added the same record at once: the unique constraint caught the second.
        raise ValidationError({"record_identifier": _duplicate_message(record_identifier)})
    return case


@dataclass
class CaseConflict(Exception):
    """Someone else saved this case since the user loaded it; ``current`` is their version."""

    current: ReviewCase


def save_review_case(case, user, *, record_identifier, procedure_date, tumour_type, present_items, checked, base_version):
    """Store what a record holds if nobody changed the case since ``base_version``.

    ``present_items`` are the ids of the active items ticked; ticks of items deactivated since are kept.
    Raises ValidationError for bad input or a submitted application, CaseConflict for a stale version;
    nothing is written in either case.
    """
    record_identifier = record_identifier.strip()
    try:
        with transaction.atomic():
            _lock_editable_application(case.review)
            current = ReviewCase.objects.select_for_update().filter(pk=case.pk).first()
            if current is None:
                raise ValidationError(_("This case has been deleted in the meantime."))
            if current.version != base_version:
                raise CaseConflict(current)
            _case_problems(
                current.review, record_identifier, procedure_date,
                other_than=current, date_changed=procedure_date != current.procedure_date,
            )
            inactive_ticks = set(current.present_items.filter(is_active=False).values_list("pk", flat=True))
            current.record_identifier = record_identifier
            current.procedure_date = procedure_date
            current.tumour_type = " ".join(tumour_type.split())
            current.checked = checked
            current.version += 1
            current.updated_at = timezone.now()
            current.updated_by = user
            current.save()
            current.present_items.set(inactive_ticks | set(present_items))
            ReviewCaseRevision.objects.create(
                case=current, version=current.version, record_identifier=current.record_identifier,
                procedure_date=current.procedure_date, tumour_type=current.tumour_type, checked=checked,
                present_items=sorted(current.present_items.values_list("code", flat=True)),
                changed_by=user, changed_at=current.updated_at,
            )
    except IntegrityError:
        # Another case took this identifier at the same moment: the unique constraint caught it.
        raise ValidationError({"record_identifier": _duplicate_message(record_identifier)})
    return current


@transaction.atomic
def delete_review_case(case, user):
    application = _lock_editable_application(case.review)
    case = ReviewCase.objects.select_for_update().filter(pk=case.pk).first()
    if case is None:
        raise ValidationError(_("This case has been deleted in the meantime."))
    audit.record(
        "casereview.case_deleted",
        gettext_noop("Case %(identifier)s deleted from the case review"), {"identifier": case.record_identifier},
        actor=user,
        facility=application.facility,
        target=case,
        changes={"record_identifier": [case.record_identifier, None]},
    )
    case.delete()


# --- Drawing the cases at random ------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class EligibleRecord:
    record_identifier: str
    procedure_date: date
    tumour_type: str


def _delimiter_of(header_line):
    """Spreadsheets export commas or semicolons and paste tabs: the header shows which one."""
    return max(",;\t", key=header_line.count)


def _column_name(cell):
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def read_eligible_records(text, today=None):
    """The eligible records of a CSV list with a header row; ValidationError naming every bad line otherwise.

    Checks the columns, the dates (YYYY-MM-DD, within the 12 months before today) and duplicate identifiers.
    """
    try:
        return _read_eligible_records(text, today)
    except csv.Error:
        # e.g. a value beyond csv.field_size_limit: an unclosed quote swallows the rest of the list.
        raise ValidationError(
            _("The list cannot be read as CSV: a value is far too long, perhaps a quote (\") is not closed.")
        )


def _read_eligible_records(text, today):
    lines = text.lstrip("\ufeff").splitlines()
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ValidationError(_("The list is empty."))
    reader = csv.reader(io.StringIO("\n".join(lines[first:])), delimiter=_delimiter_of(lines[first]))
    header = [_column_name(cell) for cell in next(reader)]
    if sorted(header) != sorted(LIST_COLUMNS):
        raise ValidationError(
            _("Line %(line)d: the header row must name the three columns %(columns)s.")
            % {"line": first + 1, "columns": ", ".join(LIST_COLUMNS)}
        )
    column = {name: header.index(name) for name in LIST_COLUMNS}
    records, errors, seen = [], [], {}
    for row in reader:
        line = first + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(records) + len(errors) >= MAX_LIST_RECORDS:
            raise ValidationError(
                _("The list has more than %(limit)d records; it cannot be that many for 12 months.") % {"limit": MAX_LIST_RECORDS}
            )
        identifier, record, problems = _read_record(row, column, today)
        if identifier:
            other = seen.setdefault(identifier.casefold(), line)
            if other != line:
                problems.append(_("the record identifier %(identifier)s is already on line %(other)d") % {
                    "identifier": identifier, "other": other})
        if problems:
            errors.append(_("Line %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
        else:
            records.append(record)
    if errors:
        shown = errors[:MAX_LISTED_ERRORS]
        if len(errors) > len(shown):
            more = len(errors) - len(shown)
            shown.append(ngettext("… and %(count)d more line with problems.", "… and %(count)d more lines with problems.",
                                  more) % {"count": more})
        raise ValidationError(shown)
    if not records:
        raise ValidationError(_("The list has no records below its header row."))
    return records


def _read_record(row, column, today):
    """One line's identifier, its record (None when anything is wrong) and what is wrong with it."""
    if len(row) != len(LIST_COLUMNS):
        return "", None, [
            _("expected 3 values (record identifier, procedure date, tumour type) but found %(count)d") % {"count": len(row)}
        ]
    identifier = row[column["record_identifier"]].strip()
    raw_date = row[column["procedure_date"]].strip()
    tumour_type = " ".join(row[column["tumour_type"]].split())
    problems = []
    if not identifier:
        problems.append(_("the record identifier is empty"))
    elif len(identifier) > IDENTIFIER_LIMIT:
        problems.append(_("the record identifier is longer than %(limit)d characters") % {"limit": IDENTIFIER_LIMIT})
    procedure_date = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
        try:
            procedure_date = date.fromisoformat(raw_date)
        except ValueError:
            pass
    if procedure_date is None:
        problems.append(_("“%(value)s” is not a date in the form YYYY-MM-DD") % {"value": raw_date})
    elif problem := procedure_date_problem(procedure_date, today):
        problems.append(problem.rstrip("."))
    if not tumour_type:
        problems.append(_("the tumour type is empty"))
    elif len(tumour_type) > TUMOUR_TYPE_LIMIT:
        problems.append(_("the tumour type is longer than %(limit)d characters") % {"limit": TUMOUR_TYPE_LIMIT})
    if problems:
        return identifier, None, problems
    return identifier, EligibleRecord(identifier, procedure_date, tumour_type), []


def canonical_list(records):
    """The list in a fixed order (by identifier) so that the order of its lines never changes a draw."""
    return sorted(records, key=lambda record: (record.record_identifier.casefold(), record))


def list_sha256(records):
    """A fingerprint of the list: an auditor shown the same list can tell it is the one drawn from."""
    rows = [[r.record_identifier, r.procedure_date.isoformat(), r.tumour_type] for r in canonical_list(records)]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def choose_cases(records, seed, size=REVIEW_SIZE):
    """The same list and seed always give the same cases: random.Random(seed).sample over the canonical list."""
    canonical = canonical_list(records)
    return random.Random(seed).sample(canonical, min(size, len(canonical)))


def new_seed():
    """The portal's seed, from a cryptographic source: nobody can choose one that picks favourable cases."""
    return secrets.randbelow(10**9)


@dataclass
class Draw:
    record: CaseDraw
    cases: list
    warnings: list = field(default_factory=list)


def draw_review_cases(review, user, records, reason=""):
    """Draw 30 cases at random from the eligible records (all of them when there are fewer), with the portal's seed.

    A draw after the first needs a written reason and replaces the drawn cases; cases entered by hand are
    never replaced, so none may be in the review. Only the drawn cases and the draw's record (seed, the
    list's size and SHA-256, who, when, why) are stored, never the list.
    """
    seed = new_seed()
    drawn = choose_cases(records, seed)
    fingerprint = list_sha256(records)
    reason = reason.strip()
    with transaction.atomic():
        application = _lock_editable_application(review)
        if review.cases.filter(drawn=False).exists():
            raise ValidationError(
                _("Cases can only be drawn while the review has none entered by hand. Delete the cases entered so far to draw.")
            )
        earlier = review.draws.order_by("-number").first()
        if earlier is not None and not reason:
            raise ValidationError(_("The cases have been drawn before: give the reason for drawing them again."))
        replaced = list(review.cases.values_list("record_identifier", flat=True))
        review.cases.all().delete()
        now = timezone.now()
        cases = ReviewCase.objects.bulk_create(
            ReviewCase(
                review=review, record_identifier=r.record_identifier, procedure_date=r.procedure_date,
                tumour_type=r.tumour_type, drawn=True, updated_at=now, updated_by=user,
            )
            for r in drawn
        )
        record = CaseDraw.objects.create(
            review=review, number=earlier.number + 1 if earlier else 1, seed=seed, list_size=len(records),
            list_sha256=fingerprint, record_identifiers=[case.record_identifier for case in cases], reason=reason,
            drawn_at=now, drawn_by=user,
        )
        audit.record(
            "casereview.drawn",
            gettext_noop("Draw %(number)d: %(count)d cases drawn at random from %(size)d eligible records (seed %(seed)d)"),
            {"number": record.number, "count": len(cases), "size": len(records), "seed": seed},
            actor=user,
            facility=application.facility,
            target=review,
            changes={
                "draw": record.number, "seed": seed, "list_size": len(records), "list_sha256": fingerprint,
                "record_identifiers": record.record_identifiers, "reason": reason, "replaced": replaced,
            },
        )
    return Draw(record, cases, _draw_warnings(records, cases))


@dataclass
class RepeatedDraw:
    draw: CaseDraw
    seed: int
    identifiers: list
    list_matches: bool
    cases_match: bool


def repeat_draw(draw, records, seed=None):
    """Repeat a recorded draw: is this the list drawn from, and does the seed (the draw's own by default) give its cases?"""
    seed = draw.seed if seed is None else seed
    identifiers = [record.record_identifier for record in choose_cases(records, seed)]
    return RepeatedDraw(
        draw=draw,
        seed=seed,
        identifiers=identifiers,
        list_matches=list_sha256(records) == draw.list_sha256 and len(records) == draw.list_size,
        cases_match=identifiers == draw.record_identifiers,
    )


def _draw_warnings(records, cases):
    warnings = []
    if len(records) < REVIEW_SIZE:
        warnings.append(
            ngettext(
                "The list holds only %(count)d eligible record, so it was taken; the review needs %(size)d cases.",
                "The list holds only %(count)d eligible records, so all of them were taken; the review needs %(size)d cases.",
                len(records),
            ) % {"count": len(records), "size": REVIEW_SIZE}
        )
    covered = len(tumour_types(cases))
    if covered < MIN_TUMOUR_TYPES:
        warnings.append(_tumour_type_shortfall(covered))
    return warnings


# PDF exports, rendered by the worker ---------------------------------------------------------------------


def review_fingerprint(application):
    """What an export of the review shows, as one hash: it changes whenever a new export would read differently."""
    cases = list(ReviewCase.objects.filter(review__application=application).order_by("pk").values_list("pk", "version"))
    draws = list(CaseDraw.objects.filter(review__application=application).order_by("pk").values_list("pk", flat=True))
    items = list(DatasetItem.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    state = [cases, draws, items, application.status, str(submission_date(application)),
             application.facility.document_language()]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def export_of_review(application, user):
    """The export of the review as it stands: stored already, or asked of the worker now (its PDF then empty).

    Called outside a transaction (views run in autocommit), so the worker finds the row it is given. An export
    still without its PDF after every retry is asked for again; earlier exports, of a review that has changed
    since, are deleted with their files.
    """
    from accreditation.pdf import RENDERING_GRACE, render_or_log

    from .tasks import render_case_review_export

    fingerprint = review_fingerprint(application)
    export = (
        CaseReviewExport.objects.filter(application=application, fingerprint=fingerprint)
        .filter(~Q(pdf="") | Q(requested_at__gte=timezone.now() - RENDERING_GRACE))
        .order_by("-requested_at").first()
    )
    if export is None:
        for earlier in CaseReviewExport.objects.filter(application=application):
            earlier.pdf.delete(save=False)
            earlier.delete()
        export = CaseReviewExport.objects.create(application=application, fingerprint=fingerprint, requested_by=user)
        # A broker that does not answer, or an eager task (no broker configured) that failed, is logged: the page
        # then says the export is being prepared, and asking again later tries again.
        render_or_log(lambda queued: render_case_review_export.delay(queued.pk), export)
        export.refresh_from_db(fields=["pdf"])  # an eager task has stored it already
    return export


def store_review_export(export):
    """Render the review's PDF into the export, once; the stored file's name."""
    from accreditation.pdf import render_pdf, store_pdf_once

    application = export.application
    facility = application.facility

    def render():
        context = {
            "facility": facility, "application": application, "review": open_case_review(application),
            "summary": summarise_review(application), "generated_at": timezone.now(),
        }
        return render_pdf("casereview/review_pdf.html", context, facility.document_language())

    return store_pdf_once(export, "pdf", f"case-review-{export.pk}.pdf", render)
