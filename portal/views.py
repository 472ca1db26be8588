"""Start pages that gather what several apps hold: the office's attention lists and a facility's dashboard."""
from django.utils import timezone
from django.views.generic import TemplateView

from accreditation.pagination import paginate, seek
from applications import services as applications
from assessment.services import awards_missing_certificate, deadline_of, office_attention
from assessment.turnaround import attach_turnaround, late_applications
from facilities import permissions
from facilities.access import FacilityStaffMixin, OfficeMixin, enrolment_prefix
from facilities.models import Enrolment
from facilities.services import programmes_open_to

from .registration import open_programmes
from invoicing.services import invoices_missing_pdf, overdue_invoices

ATTENTION_PER_PAGE = 10


class AttentionView(OfficeMixin, TemplateView):
    """The office's start page: what waits for the office, across assessment, enrolment and invoices."""

    template_name = "office/attention.html"

    def get_context_data(self, **kwargs):
        # Each card is a list shown a page at a time, paged by its own parameter so paging one keeps the others.
        # Pages of 10, not 50: the page holds seven lists, and 350 rows would cost more than all its queries.
        def page_of(rows, param):
            return paginate(self.request, rows, param, per_page=ATTENTION_PER_PAGE)

        return super().get_context_data(
            queues=[(heading, page_of(applications, f"{key}_page"))
                    for key, heading, applications in office_attention(self.request.user)],
            registered=page_of(Enrolment.objects.filter(status=Enrolment.Status.REGISTERED).select_related(
                "facility", "programme").order_by("created_at", "pk"), "registered_page"),
            # Counting overdue invoices would work out every one's balance: this list is paged by seeking.
            overdue_invoices=seek(self.request, overdue_invoices(), ["due_on", "pk"], ATTENTION_PER_PAGE,
                                  param="overdue_invoices_after"),
            invoices_missing_pdf=page_of(invoices_missing_pdf(), "invoices_missing_pdf_page"),
            awards_missing_certificate=page_of(awards_missing_certificate(), "certificates_page"),
            late=attach_turnaround(page_of(late_applications(self.request.user), "late_page")),
            **kwargs,
        )


class DashboardView(FacilityStaffMixin, TemplateView):
    """The facility's start page: its people and, for each programme it is enrolled in, where that enrolment stands."""

    template_name = "facilities/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        enrolments = list(self.facility.enrolments.select_related("programme"))  # in created order
        return super().get_context_data(
            roles=self.facility.roles_of(user),
            can_edit=permissions.can_edit_facility(user, self.facility),
            show_code=permissions.can_see_facility_code(user, self.facility),
            can_add_enrolment=permissions.can_add_enrolment(user, self.facility)
            and programmes_open_to(self.facility, open_programmes()).exists(),
            enrolments=[self.enrolment_card(enrolment, position) for position, enrolment in enumerate(enrolments)],
            **kwargs,
        )

    def enrolment_card(self, enrolment, position):
        card = {"enrolment": enrolment, "enrolment_prefix": enrolment_prefix(enrolment.programme.code, position)}
        if not applications.application_is_open_for(enrolment):
            return card
        application = applications.open_application(enrolment)
        opens_on = applications.reaccreditation_opens_on(enrolment)
        return {
            **card,
            "application": application, "progress": applications.progress_of(application),
            "deadline": deadline_of(application), "reaccreditation_opens_on": opens_on,
            "can_reaccredit": bool(
                opens_on and opens_on <= timezone.localdate() and application.status == application.Status.APPROVED
                and permissions.can_submit_application(self.request.user, self.facility)
            ),
        }
