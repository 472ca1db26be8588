"""Facility staff's messages with the office and documents; downloads shared with the office."""
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, View

from facilities.access import AudienceMixin, FacilityStaffMixin, get_visible_or_404
from facilities.models import ENROLLED_STATUSES
from facilities.permissions import facility_id_of

from . import services
from .forms import MessageForm, UploadForm
from .models import FacilityDocument, Message, PublishedDocument

ENROLLED_LOGO = Path(__file__).resolve().parent / "assets" / "enrolled-centre.svg"
def holds_logo(facility):
    """The staff of a centre enrolled in at least one programme may use the "Enrolled Centre" logo."""
    return facility.enrolments.filter(status__in=ENROLLED_STATUSES).exists()


def thread_of(user, facility):
    return Message.objects.visible_to(user).filter(facility=facility).select_related("author")


class MessagesView(FacilityStaffMixin, FormView):
    """The facility's thread with the office; reading it marks it read."""

    template_name = "correspondence/messages.html"
    form_class = MessageForm

    def get(self, request, *args, **kwargs):
        services.mark_thread_read(request.user, self.facility)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(thread=thread_of(self.request.user, self.facility), **kwargs)

    def form_valid(self, form):
        services.send_message(self.facility, self.request.user, form.cleaned_data["body"])
        messages.success(self.request, _("Your message was sent to the office."))
        return redirect("correspondence:messages")


class DocumentsView(FacilityStaffMixin, FormView):
    """Documents the office published, and the facility's own uploads for the office."""

    template_name = "correspondence/documents.html"
    form_class = UploadForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            published=PublishedDocument.objects.all(),
            uploads=FacilityDocument.objects.visible_to(self.request.user).select_related("uploaded_by"),
            has_logo=holds_logo(self.facility),
            **kwargs,
        )

    def form_valid(self, form):
        services.upload_facility_document(
            self.facility, self.request.user, title=form.cleaned_data["title"], upload=form.cleaned_data["upload"], kind=form.kind
        )
        messages.success(self.request, _("The document was uploaded; the office can see it now."))
        return redirect("correspondence:documents")


class StaffOrOfficeMixin(AudienceMixin):
    def in_audience(self, user):
        return user.is_office or facility_id_of(user) is not None


def document_response(document):
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=services.download_name(document),
                        content_type=document.content_type)


class PublishedDocumentView(StaffOrOfficeMixin, View):
    def get(self, request, pk):
        return document_response(get_object_or_404(PublishedDocument, pk=pk))


class FacilityDocumentView(StaffOrOfficeMixin, View):
    """A facility's upload: its own staff and the office; another facility gets 404."""

    def get(self, request, pk):
        return document_response(get_visible_or_404(FacilityDocument.objects.all(), request.user, pk=pk))


class EnrolledLogoView(FacilityStaffMixin, View):
    """The "Enrolled Centre" logo, for the staff of enrolled (and accredited) centres only."""

    def allowed(self, user):
        return holds_logo(self.facility)

    def get(self, request):
        return FileResponse(ENROLLED_LOGO.open("rb"), as_attachment=True, filename="enrolled-centre.svg",
                            content_type="image/svg+xml")
