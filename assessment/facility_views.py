"""Facility staff's side of the assessment: feedback and replies, resubmission, the plan, the award."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.template.loader import render_to_string
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accreditation.pdf import pdf_download
from applications.views import ApplicationMixin
from applications.workflow import Status
from facilities import permissions
from facilities.access import AuthorisedRepresentativeMixin, EnrolmentStaffMixin, SignedInMixin

from . import services, steps
from .forms import ActionPlanForm, CorrectiveActionFormSet, ReplyForm
from .models import Award, Reply, Verdict


class FeedbackView(ApplicationMixin, TemplateView):
    """The assessors' comments of closed rounds, the replies, the decision and the whole timeline."""

    template_name = "assessment/feedback.html"

    def get_context_data(self, refused=None, **kwargs):
        """``refused``: a reply form that failed, shown again with its messages and the text typed."""
        user = self.request.user
        awaiting = list(services.comments_awaiting_reply(self.application).prefetch_related("replies__author"))
        # The facility knows its assessors as "assessor 1" and "assessor 2", not by name.
        slots = dict(self.application.assignments.values_list("assessor_id", "slot"))
        rounds = [
            (round_, services.label_verdicts(list(services.verdicts_visible_to(user, round_).exclude(outcome=Verdict.Outcome.MET)
                                         .prefetch_related("replies__author"))))
            for round_ in self.application.rounds.all()
        ]
        return super().get_context_data(
            application=self.application,
            awaiting=[
                (verdict, slots.get(verdict.assessor_id),
                 refused if refused is not None and refused.prefix == f"c{verdict.pk}" else ReplyForm(prefix=f"c{verdict.pk}"))
                for verdict in awaiting
            ],
            current_round=services.current_round(self.application),
            rounds=rounds,
            decision=self.application.decisions.select_related("award__tier").order_by("-created_at").first(),
            can_submit=permissions.can_submit_application(user, self.facility),
            timeline=services.timeline(self.application, user),
            step_states=steps.step_states(self.application) if self.application.status != Status.DRAFT else [],
            plan_open=self.application.status in (Status.DEFERRED, Status.DENIED, Status.PLAN_EVIDENCE_REQUESTED),
            **kwargs,
        )


class ReplyView(FeedbackView):
    """A reply to one comment. A refused reply shows the feedback page again, keeping what was typed."""

    http_method_names = ["post"]

    def post(self, request, verdict_pk, **kwargs):
        verdict = get_object_or_404(Verdict.objects.visible_to(request.user).select_related("round__application", "question"),
                                    pk=verdict_pk, round__application=self.application)
        form = ReplyForm(request.POST, request.FILES, prefix=f"c{verdict.pk}")
        if form.is_valid():
            try:
                reply = services.reply_to_comment(verdict, request.user, form.cleaned_data["text"],
                                                  form.cleaned_data["evidence"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Reply saved%(late)s.") % {"late": _(" (after the due date: marked late)") if reply.is_late else ""})
                return redirect(f"{self.enrolment_url('assessment:feedback')}#comment-{verdict.pk}")
        return self.render_to_response(self.get_context_data(refused=form), status=422)


class ResubmitView(AuthorisedRepresentativeMixin, ApplicationMixin, TemplateView):
    template_name = "assessment/resubmit_confirm.html"

    def get_context_data(self, **kwargs):
        unanswered = services.comments_awaiting_reply(self.application).filter(replies__isnull=True)
        return super().get_context_data(
            application=self.application, unanswered=unanswered,
            can_resubmit=self.application.status == Status.CLARIFICATION_REQUESTED, **kwargs,
        )

    def post(self, request, **kwargs):
        try:
            services.resubmit_application(self.application, request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.enrolment_url("assessment:feedback"))
        messages.success(request, _("Your replies have been sent to the assessors."))
        return redirect(self.enrolment_url("assessment:feedback"))


class ActionPlanView(AuthorisedRepresentativeMixin, ApplicationMixin, TemplateView):
    """The corrective action plan (the manual's Appendix 5), submitted by the authorised representative."""

    template_name = "assessment/action_plan.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ActionPlanForm())
        kwargs.setdefault("actions", CorrectiveActionFormSet(prefix="actions"))
        return super().get_context_data(
            application=self.application,
            decision=self.application.decisions.order_by("-created_at").first(),
            plan_open=self.application.status in (Status.DEFERRED, Status.DENIED, Status.PLAN_EVIDENCE_REQUESTED),
            **kwargs,
        )

    def post(self, request, **kwargs):
        form = ActionPlanForm(request.POST)
        actions = CorrectiveActionFormSet(request.POST, prefix="actions")
        if form.is_valid() and actions.is_valid():
            try:
                services.submit_action_plan(
                    self.application, request.user, **form.cleaned_data,
                    actions=[a for a in actions.cleaned_data if a],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your corrective action plan has been sent to the assessors."))
                return redirect(self.enrolment_url("assessment:feedback"))
        return self.render_to_response(self.get_context_data(form=form, actions=actions))


class CertificateView(EnrolmentStaffMixin, View):
    def get(self, request, **kwargs):
        award = Award.objects.visible_to(request.user).filter(
            facility=self.facility, tier__programme=self.enrolment.programme_id).select_related(
            "facility", "tier", "decision__application__question_set__programme").first()
        if award is None:
            raise Http404
        return pdf_download(request, services.render_certificate, award, "certificate",
                            f"certificate-{award.expires_on:%Y}.pdf")


class SealView(EnrolmentStaffMixin, View):
    """The seal of the award the facility holds (its programme's name and its tier's title), for awarded centres only."""

    def get(self, request, **kwargs):
        award = Award.objects.visible_to(request.user).filter(
            facility=self.facility, tier__programme=self.enrolment.programme_id).select_related(
            "tier", "decision__application__question_set__programme").first()
        if award is None:
            raise Http404
        programme = award.decision.application.question_set.programme
        response = HttpResponse(render_to_string("assessment/seal.svg", {"programme": programme, "tier": award.tier}),
                                content_type="image/svg+xml")
        response["Content-Disposition"] = f'attachment; filename="{programme.code}-seal.svg"'
        return response


class EvidenceView(SignedInMixin, View):
    """An evidence file: its facility's staff, its application's assessors and the office; 404 for anyone else."""

    def get(self, request, pk):
        reply = get_object_or_404(Reply.objects.visible_to(request.user).exclude(evidence=""), pk=pk)
        stored_name = reply.evidence.name.rsplit("/", 1)[-1]
        return FileResponse(reply.evidence.open("rb"), as_attachment=True, filename=stored_name.split("-", 1)[-1])
