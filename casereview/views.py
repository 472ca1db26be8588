"""Facility staff's internal case review: the cases, the random draw, each case's checklist, the summary, exports.

The review opens and locks with the application (applications.views.ApplicationMixin's rules).
"""
import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accreditation.autosave import VersionedSaveMixin
from accreditation.pdf import pdf_being_prepared
from applications.views import ApplicationMixin
from facilities.access import get_visible_or_404

from . import services
from .forms import COMMON_PRIMARY_SITES, CaseChecklistForm, CaseForm, DrawForm
from .models import ReviewCase


class CaseReviewMixin(ApplicationMixin):
    """The review of the signed-in person's facility application; only programmes with a case review have one."""

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        self.review = None
        if self.is_open:
            if not self.enrolment.programme.has_case_review:
                raise Http404
            self.review = services.open_case_review(self.application)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("application", self.application)
        kwargs.setdefault("review", self.review)
        return super().get_context_data(**kwargs)


class ReviewView(CaseReviewMixin, TemplateView):
    """The cases entered so far, with the form to add one by hand."""

    template_name = "casereview/review.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CaseForm())
        return super().get_context_data(
            summary=services.summarise_review(self.application),
            primary_sites=COMMON_PRIMARY_SITES,
            review_size=services.REVIEW_SIZE,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = CaseForm(request.POST)
        if form.is_valid():
            try:
                case = services.add_review_case(self.review, request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Case %(identifier)s added.") % {"identifier": case.record_identifier})
                return redirect(self.enrolment_url("casereview:review"))
        return self.render_to_response(self.get_context_data(form=form), status=422)


class SummaryView(CaseReviewMixin, TemplateView):
    template_name = "casereview/summary.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(summary=services.summarise_review(self.application), **kwargs)


class DrawView(CaseReviewMixin, FormView):
    """Draw the cases at random from the uploaded or pasted list of eligible records; the portal chooses the seed."""

    template_name = "casereview/draw.html"
    form_class = DrawForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "redraw": self.draws_so_far > 0}

    @property
    def draws_so_far(self):
        return self.review.draws.count() if self.review is not None else 0

    def get_context_data(self, **kwargs):
        if self.review is not None:
            kwargs.update(
                entered_by_hand=self.review.cases.filter(drawn=False).count(),
                drawn_cases=self.review.cases.filter(drawn=True).count(),
                draws=list(self.review.draws.select_related("drawn_by")),
            )
        return super().get_context_data(review_size=services.REVIEW_SIZE, **kwargs)

    def form_valid(self, form):
        try:
            draw = services.draw_review_cases(
                self.review, self.request.user, form.cleaned_data["records"], reason=form.cleaned_data.get("reason", "")
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        record = draw.record
        messages.success(
            self.request,
            _("Draw %(number)d: %(count)d cases drawn at random from %(size)d eligible records with the portal's seed %(seed)d. Keep your list: with this seed it gives the same cases.")
            % {"number": record.number, "count": len(draw.cases), "size": record.list_size, "seed": record.seed},
        )
        for warning in draw.warnings:
            messages.warning(self.request, warning)
        return redirect(self.enrolment_url("casereview:review"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class CaseMixin(CaseReviewMixin):
    """One case of the user's own review; another facility's case is not found."""

    def setup_scope(self, request, *args, **kwargs):
        super().setup_scope(request, *args, **kwargs)
        if self.review is not None:
            self.case = get_visible_or_404(ReviewCase.objects, request.user, pk=kwargs["pk"], review=self.review)


class CaseView(VersionedSaveMixin, CaseMixin, TemplateView):
    """A case's checklist. htmx saves it on every change; without JavaScript the Save button reloads the page."""

    template_name = "casereview/case.html"
    conflict_class = services.CaseConflict

    def case_context(self, form=None, conflict=None):
        summary = services.summarise_review(self.application)
        case = next(c for c in summary.cases if c.pk == self.case.pk)
        items = [item_count.item for _group, counts in summary.groups for item_count in counts]
        if form is None and self.application.is_editable:
            form = CaseChecklistForm.for_case(case, items)
        position = summary.cases.index(case)
        return {
            "application": self.application,
            "review": self.review,
            "facility": self.facility,
            "enrolment_prefix": self.enrolment_prefix,
            "summary": summary,
            "case": case,
            "groups": summary.groups,
            "form": form,
            "ticked": form.ticked() if form is not None else case.present,
            "conflict": conflict,
            "conflict_present": {item.pk for item in conflict.present_items.all()} if conflict else set(),
            "next_case": summary.cases[position + 1] if position + 1 < len(summary.cases) else None,
            "primary_sites": COMMON_PRIMARY_SITES,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.case_context(), **kwargs)

    def bind_form(self, data):
        return CaseChecklistForm(data, items=services.active_items())

    def save(self, form):
        services.save_review_case(self.case, self.request.user, base_version=form.cleaned_data["version"], **{
            name: form.cleaned_data[name]
            for name in ("record_identifier", "procedure_date", "tumour_type", "present_items", "checked")
        })

    def holds(self, current, form):
        data = form.cleaned_data
        fields = ("record_identifier", "procedure_date", "tumour_type", "checked")
        return all(getattr(current, name) == data[name] for name in fields) and (
            {item.pk for item in current.present_items.all()} == set(data["present_items"])
        )

    def saved_response(self):
        if not self.request.htmx:
            messages.success(self.request, _("Case %(identifier)s saved.") % {"identifier": self.case.record_identifier})
            return redirect(self.enrolment_url("casereview:case", self.case.pk))
        return render(self.request, "casereview/_case_saved.html", self.case_context())

    def refused_response(self, form, conflict):
        """Errors and conflicts show the whole case again, keeping what the user ticked and typed."""
        return self.render_refusal(
            "casereview/_case_form.html", "casereview/case.html", self.case_context(form, conflict), "#case-form", conflict
        )


class DeleteCaseView(CaseMixin, TemplateView):
    """Deleting a case asks for confirmation first; its ticks are lost."""

    template_name = "casereview/delete_confirm.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.delete_review_case(self.case, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Case %(identifier)s deleted.") % {"identifier": self.case.record_identifier})
        return redirect(self.enrolment_url("casereview:review"))


class ExportMixin(CaseReviewMixin):
    def get(self, request, *args, **kwargs):
        if not self.is_open:
            return super().get(request, *args, **kwargs)
        response = self.export()
        if response.status_code == 200:
            stamp = timezone.localdate().isoformat()
            # Not the facility code: every member downloads the review, and the code is for the appointed roles.
            response["Content-Disposition"] = f'attachment; filename="case-review-{stamp}.{self.extension}"'
        return response


def _spreadsheet_safe(text):
    """Spreadsheets run cells that start like a formula; the export is opened in them."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


class ExportCsvView(ExportMixin, View):
    extension = "csv"

    def export(self):
        summary = services.summarise_review(self.application)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        items = [count.item for _group, counts in summary.groups for count in counts]
        writer = csv.writer(response)
        writer.writerow(
            [_("Case"), _("Record identifier"), _("Procedure date"), _("Tumour type"), _("Drawn at random"),
             _("Checked"), _("Complete")]
            + [f"{item.group.criterion} {item.label}" for item in items]
        )
        yes, no = _("yes"), _("no")
        for case in summary.cases:
            writer.writerow(
                [case.number, _spreadsheet_safe(case.record_identifier),
                 case.procedure_date.isoformat() if case.procedure_date else "",
                 _spreadsheet_safe(case.tumour_type), yes if case.drawn else no, yes if case.checked else no,
                 yes if case.is_complete else no]
                + [yes if item.pk in case.present else no for item in items]
            )
        return response


class ExportPdfView(ExportMixin, View):
    extension = "pdf"

    def export(self):
        """The stored PDF; while the worker renders it, a page asking to try again shortly."""
        export = services.export_of_review(self.application, self.request.user)
        if not export.pdf:
            return pdf_being_prepared(self.request, "casereview/export_being_prepared.html", retry_after=10)
        return FileResponse(export.pdf.open("rb"), content_type="application/pdf")
