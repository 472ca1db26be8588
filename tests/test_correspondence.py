import io
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from correspondence.models import FacilityDocument, Message, PublishedDocument

from .factories import PDF_BYTES, FacilityDocumentFactory, FacilityFactory, MessageFactory, PublishedDocumentFactory

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office_zip(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<document/>")
    return buffer.getvalue()


def stored_files(settings):
    root = settings.MEDIA_ROOT / "documents"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_staff_and_office_write_in_one_thread_each_side_is_e_mailed(
    client, enrolled, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(enrolled.member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("correspondence:messages"), {"body": "When is our invoice due?"})
    assert mailoutbox[-1].to == [settings.OFFICE_EMAIL] and "When is our invoice due?" in mailoutbox[-1].body

    client.force_login(office_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("correspondence:office_thread", args=[enrolled.facility.pk]), {"body": "In 30 days."})
    assert set(mailoutbox[-1].to) == {enrolled.rep.email, enrolled.deputy.email, enrolled.holder.email, enrolled.member.email}

    client.force_login(enrolled.deputy)
    page = client.get(reverse("correspondence:messages")).content.decode()
    assert page.index("When is our invoice due?") < page.index("In 30 days.")


def test_message_bodies_are_escaped_and_empty_messages_refused(client, enrolled):
    client.force_login(enrolled.holder)
    client.post(reverse("correspondence:messages"), {"body": "<script>alert(1)</script>"})
    page = client.get(reverse("correspondence:messages")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    response = client.post(reverse("correspondence:messages"), {"body": "   "})
    assert "This field is required." in response.content.decode() and Message.objects.count() == 1


def test_unread_counts_show_in_the_navigation_until_the_thread_is_read(client, enrolled, office_user):
    other = FacilityFactory(name="Other Unit")
    MessageFactory(facility=enrolled.facility)
    MessageFactory(facility=enrolled.facility)
    MessageFactory(facility=other)
    client.force_login(office_user)
    inbox = client.get(reverse("correspondence:office_inbox")).content.decode()
    assert '<span class="nav-count" aria-label="3 unread messages">3</span>' in inbox
    assert '<span class="nav-count">2</span>' in inbox and '<span class="nav-count">1</span>' in inbox
    client.get(reverse("correspondence:office_thread", args=[enrolled.facility.pk]))
    assert 'aria-label="1 unread message"' in client.get(reverse("correspondence:office_inbox")).content.decode()

    MessageFactory(facility=enrolled.facility, author=office_user)
    client.force_login(enrolled.member)
    assert 'aria-label="1 unread message"' in client.get(reverse("facilities:dashboard")).content.decode()
    client.get(reverse("correspondence:messages"))
    assert "unread message" not in client.get(reverse("facilities:dashboard")).content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_the_messages_page_takes_a_fixed_number_of_queries(client, enrolled, django_assert_max_num_queries, count):
    for _ in range(count):
        MessageFactory(facility=enrolled.facility)
    client.force_login(enrolled.member)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("correspondence:messages"))
    assert page.content.decode().count("about our enrolment") == count


def test_published_documents_reach_every_facility(client, office_user, enrolled, registered):
    client.force_login(office_user)
    upload = SimpleUploadedFile("manual.pdf", PDF_BYTES)
    client.post(reverse("correspondence:office_documents"), {"title": "Application manual", "category": "application_manual", "upload": upload})
    document = PublishedDocument.objects.get()
    for person in (enrolled.member, registered.rep):
        client.force_login(person)
        assert "Application manual" in client.get(reverse("correspondence:documents")).content.decode()
        response = client.get(reverse("correspondence:published_document", args=[document.pk]))
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert 'filename="manual.pdf"' in response["Content-Disposition"]


def test_a_facility_upload_is_seen_by_the_facility_and_the_office_only(client, enrolled, registered, office_user, assessor):
    client.force_login(enrolled.member)
    response = client.post(
        reverse("correspondence:documents"), {"title": "Safety policy", "upload": SimpleUploadedFile("policy.docx", office_zip("word"))}
    )
    assert response.status_code == 302
    document = FacilityDocument.objects.get()
    assert document.facility == enrolled.facility and document.content_type.endswith("wordprocessingml.document")
    url = reverse("correspondence:facility_document", args=[document.pk])
    client.force_login(office_user)
    assert client.get(url).status_code == 200
    assert "Safety policy" in client.get(reverse("office:facility", args=[enrolled.facility.pk])).content.decode()
    client.force_login(registered.rep)
    assert client.get(url).status_code == 404
    assert "Safety policy" not in client.get(reverse("correspondence:documents")).content.decode()
    client.force_login(assessor)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("scan.pdf", PNG_BYTES, "its content is not a PDF file"),
        ("notes.pdf", b"#!/bin/sh\nrm -rf /\n", "its content is not a PDF file"),
        ("archive.docx", office_zip("xl"), "its content is not a DOCX file"),
        ("tool.exe", b"MZ\x90\x00", "Only these types are accepted"),
        ("empty.pdf", b"", "The file is empty."),
        ("huge.pdf", PDF_BYTES + b"0" * 2048, "files up to 1.0"),
    ],
)
def test_a_rejected_upload_stores_nothing_and_says_why(client, enrolled, settings, name, content, reason):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(enrolled.member)
    response = client.post(reverse("correspondence:documents"), {"title": "Evidence", "upload": SimpleUploadedFile(name, content)})
    assert response.status_code == 200 and reason in response.content.decode()
    assert not FacilityDocument.objects.exists() and stored_files(settings) == []


@pytest.mark.parametrize("name, content", [("sheet.xlsx", office_zip("xl")), ("photo.JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 16), ("logo.png", PNG_BYTES)])
def test_accepted_types_are_stored_under_a_random_name(client, enrolled, settings, name, content):
    client.force_login(enrolled.member)
    client.post(reverse("correspondence:documents"), {"title": "Evidence", "upload": SimpleUploadedFile(name, content)})
    document = FacilityDocument.objects.get()
    assert document.original_name == name and name not in document.file.name
    assert [path.read_bytes() for path in stored_files(settings)] == [content]


def test_the_documents_page_lists_the_office_documents_and_own_uploads(client, enrolled):
    PublishedDocumentFactory(title="Marketing manual", category="marketing_manual")
    FacilityDocumentFactory(facility=enrolled.facility, title="Our staff list")
    FacilityDocumentFactory(title="Somebody else's list")
    client.force_login(enrolled.deputy)
    page = client.get(reverse("correspondence:documents")).content.decode()
    assert "Marketing manual" in page and "Our staff list" in page and "Somebody else" not in page
