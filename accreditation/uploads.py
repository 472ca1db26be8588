"""Checking uploaded files by what they contain, not by what they are called. Reused wherever files come in."""
import zipfile
from pathlib import PurePath
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class FileKind(NamedTuple):
    extension: str
    content_type: str
    label: str


KINDS = {
    "pdf": FileKind("pdf", "application/pdf", "PDF"),
    "docx": FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "xlsx": FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "png": FileKind("png", "image/png", "PNG"),
    "jpg": FileKind("jpg", "image/jpeg", "JPG"),
}
EXTENSIONS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "png": "png", "jpg": "jpg", "jpeg": "jpg"}


def refuse_zip_bomb(members):
    """An Office document is a zip: refuse one that would unpack to far more than any real document.

    The sizes are the ones the zip declares; whoever opens the file later unpacks by them.
    """
    if len(members) > settings.UPLOAD_MAX_ZIP_MEMBERS:
        raise ValidationError(
            _("The document holds %(count)d parts; documents of up to %(limit)d parts are accepted.")
            % {"count": len(members), "limit": settings.UPLOAD_MAX_ZIP_MEMBERS},
            code="zip_members",
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.UPLOAD_MAX_UNPACKED_BYTES:
        raise ValidationError(
            _("The document unpacks to %(size)s; documents unpacking to up to %(limit)s are accepted.")
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(settings.UPLOAD_MAX_UNPACKED_BYTES)},
            code="zip_size",
        )


def sniff(file):
    """The kind of file its first bytes (and, for Office files, its zip directory) show, or None.

    Raises ValidationError for an Office file that would unpack too large (``refuse_zip_bomb``).
    """
    file.seek(0)
    head = file.read(8)
    try:
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return "png"
        if head.startswith(b"\xff\xd8\xff"):
            return "jpg"
        if head.startswith(b"PK\x03\x04"):
            file.seek(0)
            try:
                members = zipfile.ZipFile(file).infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
                return None
            refuse_zip_bomb(members)
            names = [member.filename for member in members]
            # Any zip is not an Office document: OOXML has a content-types part and its main folder.
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return "docx"
                if any(name.startswith("xl/") for name in names):
                    return "xlsx"
        return None
    finally:
        file.seek(0)


def validate_upload(file, max_bytes=None):
    """Accept a PDF, DOCX, XLSX, PNG or JPG whose content matches its name, within the size limit.

    Returns its FileKind; raises ValidationError with the reason otherwise.
    """
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    if not file.size:
        raise ValidationError(_("The file is empty."), code="empty")
    if file.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; files up to %(limit)s are accepted.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(max_bytes)},
            code="too_big",
        )
    allowed = ", ".join(kind.label for kind in KINDS.values())
    claimed = EXTENSIONS.get(PurePath(file.name or "").suffix.lower().lstrip("."))
    if claimed is None:
        raise ValidationError(_("Only these types are accepted: %(allowed)s.") % {"allowed": allowed}, code="type")
    if sniff(file) != claimed:
        raise ValidationError(
            _("The file is named .%(extension)s but its content is not a %(label)s file. Accepted: %(allowed)s.")
            % {"extension": PurePath(file.name).suffix.lower().lstrip("."), "label": KINDS[claimed].label, "allowed": allowed},
            code="content",
        )
    return KINDS[claimed]
