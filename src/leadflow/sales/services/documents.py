"""Documents people upload to the sales follow-up (a kit's brochures, a returned assessment, a
demo's questionnaire, a proposal): size-capped and checked by their content, never by the name
or the type the browser claims.

Accepted: PDF, Office Open XML (Word, Excel, PowerPoint: a ZIP holding the part its kind
needs), OpenDocument (a ZIP whose ``mimetype`` names it), PNG, JPEG and plain UTF-8 text (.txt,
.csv). The content type kept and later sent is the one the content shows. Anything else, an
empty file or one above ``MAX_DOCUMENT_BYTES`` is refused with a plain message
(``InputError`` on ``file``).
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

from leadflow.core.errors import InputError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_NAME = 200

_OOXML = {
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
_ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
_TEXT = {".txt": "text/plain", ".csv": "text/csv"}
ACCEPTED = "a PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG or plain-text file"


@dataclass(frozen=True)
class CheckedDocument:
    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def _name(raw: str) -> str:
    name = PurePath(raw.replace("\\", "/")).name.strip().replace("\x00", "")
    name = "".join(char for char in name if char.isprintable())
    return (name or "document")[-MAX_NAME:]


def _zip_type(data: bytes, extension: str) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "mimetype" in names:
            kind = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            return kind if kind in _ODF else None
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return None
    wanted = _OOXML.get(extension)
    if wanted is None or "[Content_Types].xml" not in names:
        return None
    prefix, content_type = wanted
    return content_type if any(name.startswith(prefix) for name in names) else None


def content_type_of(data: bytes, filename: str) -> str | None:
    """The content type the bytes show (None: not a document we accept)."""
    extension = PurePath(filename).suffix.lower()
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data, extension)
    if extension in _TEXT and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return _TEXT[extension]
    return None


def document_check(upload: UploadedFile) -> CheckedDocument:
    """The upload, read and checked (see the module), or InputError on ``file``."""
    size = upload.size or 0
    if size > MAX_DOCUMENT_BYTES:
        raise InputError("file", f"the file is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB")
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError("file", f"the file is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB")
    if not data:
        raise InputError("file", "the file is empty")
    filename = _name(upload.name or "")
    content_type = content_type_of(data, filename)
    if content_type is None:
        raise InputError("file", f"{filename} is not {ACCEPTED} (judged by its content)")
    return CheckedDocument(
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
