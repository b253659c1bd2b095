"""Safe uploads: the one set of rules for every file a user gives the portal.

Other apps (the FAQ's inquiry attachments) import this module so that "the same upload rules"
really are the same code:

``validate_upload(uploaded_file)``
    Raises :class:`django.core.exceptions.ValidationError` with a Japanese message when the
    file is empty, over :data:`MAX_UPLOAD_BYTES` (50 MB), has an extension not in
    :data:`ALLOWED_EXTENSIONS`, or whose content does not match its extension (an HTML page
    named ``.pdf``). The content is sniffed by magic bytes, never trusted from the browser's
    ``Content-Type``. An Office file (.xlsx, .docx, .pptx) is also opened as the zip it is and
    refused when it is a zip bomb or carries XML entity tricks (:func:`check_package`).

``generated_name(original)``
    A random storage name (``uploads/2015/07/<32 hex>.pdf``) that keeps only the checked
    extension; the user's name is kept in the database and given back on download.

``store_upload(uploaded_file, folder=...)``
    Validate, then save through Django's storage API (``default_storage``), so an object
    store can replace the disk in production. Returns the stored name. Nothing is written
    when validation fails.

Files land under ``MEDIA_ROOT`` (``var/media`` by default), which is outside the static root
and is never served directly: downloads go through a view that checks permission
(:mod:`pmo.downloads`).
"""

from __future__ import annotations

import io
import posixpath
import uuid
import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pmo import ooxml

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# An Office file's parts, all inflated: slides and images rarely pass twice the file's size.
MAX_EXPANDED_BYTES = 4 * MAX_UPLOAD_BYTES
MAX_PARTS = 10_000
ALLOWED_EXTENSIONS = ("pdf", "xlsx", "xls", "docx", "doc", "pptx", "ppt", "csv", "zip", "txt")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# The part every OOXML package of that kind carries (ECMA-376 part names).
OOXML_MAIN_FOLDER = {"xlsx": "xl/", "docx": "word/", "pptx": "ppt/"}
# Markers of HTML (or SVG/XML with script) that browsers would render if sniffing were on.
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg")
SNIFF_BYTES = 8192
TEXT_ENCODINGS = ("utf-8-sig", "cp932")  # Japanese offices still save CSV in Shift_JIS


def extension(name: str) -> str:
    """The lower-case extension without the dot (``"報告.PDF"`` → ``"pdf"``), or ``""``."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem else ""


def validate_upload(uploaded_file) -> None:
    """Refuse an unsafe upload with a Japanese message; return ``None`` when it is fine.

    Reads at most the head of the file (and a zip's central directory) and rewinds it.
    """
    name = getattr(uploaded_file, "name", "") or ""
    size = uploaded_file.size
    if not size:
        raise ValidationError(_("ファイルが空です。"), code="empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("ファイルが大きすぎます（%(size)s MB）。50 MB 以下のファイルにしてください。")
            % {"size": f"{size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    ext = extension(name)
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("この種類のファイルは登録できません。登録できるのは %(allowed)s です。")
            % {"allowed": pgettext("list separator", "、").join(ALLOWED_EXTENSIONS)},
            code="extension",
        )
    if not content_matches(uploaded_file, ext):
        raise ValidationError(
            _(
                "ファイルの中身が拡張子（.%(ext)s）と一致しません。"
                "正しい形式で保存したファイルを選んでください。"
            )
            % {"ext": ext},
            code="content",
        )
    if ext in OOXML_MAIN_FOLDER:
        check_package(uploaded_file)


def check_package(uploaded_file) -> None:
    """An Office file (.xlsx/.docx/.pptx) is a zip of XML parts: refuse zip bombs, too many
    parts and DTDs (XXE, "billion laughs") before it is stored and shared (:mod:`pmo.ooxml`)."""
    try:
        ooxml.check_package(
            _stream(uploaded_file), max_expanded=MAX_EXPANDED_BYTES, max_members=MAX_PARTS
        )
    except ooxml.SheetError as refused:
        raise ValidationError(str(refused), code="package") from None


def content_matches(uploaded_file, ext: str) -> bool:
    """Does the content look like a ``ext`` file? (magic bytes; the stream is rewound)."""
    stream = _stream(uploaded_file)
    start = stream.tell() if stream.seekable() else 0
    try:
        stream.seek(0)
        head = stream.read(SNIFF_BYTES)
        if ext == "pdf":
            return head.lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-")
        if ext in ("xls", "doc", "ppt"):
            return head.startswith(OLE2_MAGIC)
        if ext == "zip":
            return head.startswith(ZIP_MAGICS) and _zip_names(stream) is not None
        if ext in OOXML_MAIN_FOLDER:
            names = _zip_names(stream) if head.startswith(ZIP_MAGICS) else None
            return names is not None and _is_ooxml(names, OOXML_MAIN_FOLDER[ext])
        if ext in ("csv", "txt"):
            return looks_like_text(head, truncated=len(head) == SNIFF_BYTES)
        return False
    finally:
        stream.seek(start)


def looks_like_text(head: bytes, *, truncated: bool = False) -> bool:
    """Plain text in UTF-8 or Shift_JIS, with no NUL bytes and nothing HTML-like at the top."""
    if b"\x00" in head:
        return False
    lowered = head.lstrip(b"\xef\xbb\xbf\r\n\t ").lower()
    if any(marker in lowered[:1024] for marker in HTML_MARKERS):
        return False
    for encoding in TEXT_ENCODINGS:
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the sniff window is not an error.
            if truncated and exc.start >= len(head) - 3:
                return True
    return False


def _is_ooxml(names: list[str], main_folder: str) -> bool:
    return "[Content_Types].xml" in names and any(n.startswith(main_folder) for n in names)


def _zip_names(stream: IO[bytes]) -> list[str] | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _stream(uploaded_file) -> IO[bytes]:
    """A seekable binary stream of ``uploaded_file`` (UploadedFile, File or bytes buffer)."""
    stream = getattr(uploaded_file, "file", uploaded_file)
    if isinstance(stream, bytes | bytearray):
        return io.BytesIO(stream)
    return stream


def generated_name(original: str, *, folder: str = "uploads") -> str:
    """A random storage name keeping only the (lower-case) extension of ``original``.

    The user's file name never reaches the file system: no path tricks, no clashes, no
    guessing another organisation's file from its title.
    """
    ext = extension(original)
    now = timezone.localtime()
    stem = uuid.uuid4().hex
    return f"{folder.strip('/')}/{now:%Y/%m}/{stem}.{ext}" if ext else f"{folder}/{stem}"


def store_upload(uploaded_file, *, folder: str = "uploads", storage: Storage | None = None) -> str:
    """Validate ``uploaded_file`` and save it under a generated name; return that name."""
    validate_upload(uploaded_file)
    storage = storage or default_storage
    stream = _stream(uploaded_file)
    stream.seek(0)
    return storage.save(generated_name(uploaded_file.name, folder=folder), uploaded_file)
