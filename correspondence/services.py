"""The rules of correspondence: messages and their e-mails, read marks, documents. Every write is here."""
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from facilities import audit
from facilities.services import send_portal_mail

from .models import FacilityDocument, Message, PublishedDocument, ReadMark

UNREAD_SHOWN = 99


@transaction.atomic
def send_message(facility, author, body):
    """Add a message to the facility's thread and e-mail the other side once it is saved."""
    message = Message.objects.create(facility=facility, author=author, from_office=author.is_office, body=body)
    mark_thread_read(author, facility)
    if message.from_office:
        recipients = list(facility.memberships.values_list("user__email", flat=True))
        link = settings.PORTAL_URL + reverse("correspondence:messages")
    else:
        recipients = [settings.OFFICE_EMAIL]
        link = settings.PORTAL_URL + reverse("correspondence:office_thread", args=[facility.pk])
    context = {"message": message, "facility": facility, "link": link}
    template = "message_to_facility" if message.from_office else "message_to_office"
    transaction.on_commit(lambda: send_portal_mail(template, recipients, context))
    return message


def mark_thread_read(user, facility):
    latest = Message.objects.filter(facility=facility).order_by("-pk").values_list("pk", flat=True).first() or 0
    # One upsert: reading a thread is frequent, and two tabs reading at once must not collide.
    ReadMark.objects.bulk_create(
        [ReadMark(user=user, facility=facility, last_read_message_id=latest)],
        update_conflicts=True, unique_fields=["user", "facility"], update_fields=["last_read_message_id"],
    )


def latest_threads(user, before=None, limit=50):
    """The newest message of each thread the user may see, newest first; with ``before`` (a message id), only
    threads whose newest message is older. One more than ``limit`` is returned when more threads follow.

    A seek, not a count and an offset: it walks messages newest first and keeps those that no newer message of
    their facility follows, so a page reads about as many messages as it shows, however many threads exist.
    """
    newer_in_thread = Message.objects.filter(facility=OuterRef("facility"), pk__gt=OuterRef("pk"))
    messages = Message.objects.visible_to(user).filter(~Exists(newer_in_thread))
    if before is not None:
        messages = messages.filter(pk__lt=before)
    return list(messages.select_related("facility").order_by("-pk")[: limit + 1])


def unread_messages(user):
    """Messages from the other side the user has not read, over the threads the user may see."""
    last_read = ReadMark.objects.filter(user=user, facility=OuterRef("facility")).values("last_read_message_id")[:1]
    return (
        Message.objects.visible_to(user)
        .filter(from_office=not user.is_office)
        .annotate(last_read=Coalesce(Subquery(last_read), Value(0)))
        .filter(pk__gt=F("last_read"))
        .order_by()
    )


def unread_counts(user, facilities):
    """{facility id: unread messages} for the given facilities' threads."""
    rows = unread_messages(user).filter(facility__in=facilities).values("facility").annotate(n=Count("pk"))
    return {row["facility"]: row["n"] for row in rows}


def unread_total(user):
    """How many messages the user has not read, counted up to ``UNREAD_SHOWN + 1`` only: the navigation shows
    "99+" beyond that, and counting every unread message of every facility on every office page would not scale."""
    return unread_messages(user)[: UNREAD_SHOWN + 1].count()


def _file_fields(upload, kind):
    # Stored under a random name: nothing of the uploader's file name reaches the storage path.
    upload.name = f"{uuid.uuid4().hex}.{kind.extension}"
    return {"file": upload, "content_type": kind.content_type, "size": upload.size}


def download_name(document):
    stem = get_valid_filename(document.original_name.rsplit(".", 1)[0]) or "document"
    return f"{stem}.{document.file.name.rsplit('.', 1)[-1]}"


@transaction.atomic
def publish_document(actor, *, title, category, upload, kind):
    """Publish a checked file (accreditation.uploads.validate_upload) to every facility."""
    original_name = upload.name
    document = PublishedDocument.objects.create(
        title=title, category=category, published_by=actor, original_name=original_name, **_file_fields(upload, kind)
    )
    audit.record("document.published", gettext_noop("Document published: %(title)s"), {"title": title}, actor=actor, target=document)
    return document


@transaction.atomic
def upload_facility_document(facility, actor, *, title, upload, kind):
    """Store a checked file a facility sends to the office."""
    original_name = upload.name
    document = FacilityDocument.objects.create(
        facility=facility, title=title, uploaded_by=actor, original_name=original_name,
        **_file_fields(upload, kind),
    )
    audit.record(
        "document.uploaded", gettext_noop("Document uploaded: %(title)s"), {"title": title}, actor=actor, facility=facility,
        target=document,
    )
    return document
