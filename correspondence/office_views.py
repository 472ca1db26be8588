"""The office's side: every facility's thread with unread counts, and publishing documents."""
from django.contrib import messages
from django.db.models import Max
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from facilities.access import OfficeMixin, get_visible_or_404
from facilities.models import Facility

from . import services
from .forms import MessageForm, PublishForm
from .models import FacilityDocument, PublishedDocument
from .views import thread_of


class OfficeInboxView(OfficeMixin, TemplateView):
    template_name = "correspondence/office_inbox.html"

    def get_context_data(self, **kwargs):
        unread = services.unread_counts(self.request.user)
        threads = (
            Facility.objects.visible_to(self.request.user)
            .annotate(last_message_at=Max("messages__sent_at"))
            .filter(last_message_at__isnull=False)
            .order_by("-last_message_at")
        )
        return super().get_context_data(threads=[(f, unread.get(f.pk, 0)) for f in threads], **kwargs)


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
        uploads = FacilityDocument.objects.visible_to(self.request.user).select_related("facility", "uploaded_by")[:100]
        return super().get_context_data(published=PublishedDocument.objects.all(), uploads=uploads, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        services.publish_document(
            self.request.user, title=data["title"], category=data["category"], upload=data["upload"], kind=form.kind
        )
        messages.success(self.request, _("The document is published to every facility."))
        return redirect("correspondence:office_documents")
