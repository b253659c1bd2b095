"""Sending a stored file back: always as an attachment, with its Japanese name intact.

``attachment_response(fieldfile, filename, content_type=None)`` is the one way the portal
sends an uploaded file. The caller has already checked permission (through
``accounts.permissions``); this module only makes the response safe:

- ``Content-Disposition: attachment`` with both an ASCII ``filename="..."`` fallback and the
  RFC 6266 / RFC 5987 ``filename*=UTF-8''…`` form, so 「番号制度 概要.pdf」 arrives as such;
- ``X-Content-Type-Options: nosniff`` and a content type chosen from the checked extension,
  never from what the uploader's browser claimed;
- ``Cache-Control: private`` so a shared proxy never keeps one organisation's file.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse

from pmo.uploads import extension

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ppt": "application/vnd.ms-powerpoint",
    "csv": "text/csv",
    "zip": "application/zip",
    "txt": "text/plain",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._()\- ]+")


def content_type_for(filename: str) -> str:
    return CONTENT_TYPES.get(extension(filename), FALLBACK_CONTENT_TYPE)


def clean_filename(filename: str) -> str:
    """The name without path parts or control characters (what the user will save)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name or "download"


def ascii_fallback(filename: str) -> str:
    """An ASCII stand-in for clients that ignore ``filename*`` (keeps the extension)."""
    ext = extension(filename)
    stem = filename[: -(len(ext) + 1)] if ext else filename
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = _UNSAFE_ASCII.sub("_", ascii_stem).strip(" ._")
    if not ascii_stem or set(ascii_stem) <= {"_", " "}:
        ascii_stem = "download"
    return f"{ascii_stem}.{ext}" if ext else ascii_stem


def content_disposition(filename: str) -> str:
    """``attachment; filename="fallback"; filename*=UTF-8''percent-encoded`` (RFC 6266)."""
    name = clean_filename(filename)
    return "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(
        ascii_fallback(name), quote(name, safe="")
    )


def attachment_response(fieldfile, filename: str, content_type: str | None = None) -> FileResponse:
    """Stream ``fieldfile`` (a FieldFile or File) as a download named ``filename``."""
    fieldfile.open("rb")
    response = FileResponse(fieldfile, content_type=content_type or content_type_for(filename))
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    # A storage that cannot tell the size (some object stores) still streams the file.
    with contextlib.suppress(OSError, AttributeError):
        response["Content-Length"] = str(fieldfile.size)
    return response
