"""The office's side: every facility's thread with unread counts, and publishing documents."""
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from accreditation.pagination import PER_PAGE, paginate
from facilities.access import OfficeMixin, get_visible_or_404
from facilities.models import Facility

from . import services
from .forms import MessageForm, PublishForm
from .models import FacilityDocument, PublishedDocument
from .views import thread_of


class OfficeInboxView(OfficeMixin, TemplateView):
    """Every facility's thread, latest activity first, 50 a page.

    Paged by seeking (``?before=`` the newest message id of the page's last thread) rather than by page
    number: numbered pages would need the number of threads, which groups every message there is.
    """

    template_name = "correspondence/office_inbox.html"

    def get_context_data(self, **kwargs):
        before = self.request.GET.get("before", "")
        before = int(before) if before.isdigit() else None
        latest = services.latest_threads(self.request.user, before, PER_PAGE)
        older = latest[PER_PAGE - 1].pk if len(latest) > PER_PAGE else None
        latest = latest[:PER_PAGE]
        unread = services.unread_counts(self.request.user, [message.facility_id for message in latest])
        return super().get_context_data(
            threads=[(message.facility, message.sent_at, unread.get(message.facility_id, 0)) for message in latest],
            older=older, newer=before is not None, **kwargs,
        )


class OfficeThreadView(OfficeMixin, FormView):
    template_name = "correspondence/office_thread.html"
    form_class = MessageForm

    def setup_scope(self, request, *args, **kwargs):
        self.facility = get_visible_or_404(Facility.objects.all(), request.user, pk=kwargs["pk"])

    def get(self, request, *args, **kwargs):
        services.mark_thread_read(request.user, self.facility)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(facility=self.facility, thread=thread_of(self.request.user, self.facility), **kwargs)

    def form_valid(self, form):
        services.send_message(self.facility, self.request.user, form.cleaned_data["body"])
        messages.success(self.request, _("Your message was sent to %(name)s.") % {"name": self.facility.name})
        return redirect("correspondence:office_thread", pk=self.facility.pk)


class OfficeDocumentsView(OfficeMixin, FormView):
    template_name = "correspondence/office_documents.html"
    form_class = PublishForm

    def get_context_data(self, **kwargs):
        # Newest first by id, which follows the upload time and is indexed, so a page needs no sort of every upload.
        uploads = FacilityDocument.objects.visible_to(self.request.user).select_related("facility", "uploaded_by").order_by("-pk")
        return super().get_context_data(
            published=paginate(self.request, PublishedDocument.objects.order_by("category", "title", "pk"), "published_page"),
            uploads=paginate(self.request, uploads, "uploads_page"),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        services.publish_document(
            self.request.user, title=data["title"], category=data["category"], upload=data["upload"], kind=form.kind
        )
        messages.success(self.request, _("The document is published to every facility."))
        return redirect("correspondence:office_documents")
