"""Any Office (OOXML) zip package an upload brings, checked before anything parses it.

Every .xlsx, .docx and .pptx upload in the portal is treated as hostile until proven otherwise,
and this is the first line: :func:`check_package` (documents, 取組情報, inquiry attachments;
:func:`pmo.xlsx_check.check` starts with the same steps) limits the zip itself: number of
parts, declared size of each part and of all together, compression ratio (zip bombs), and
refuses any part with a DTD (XXE, "billion laughs"). A part's declared size is a real bound:
:mod:`zipfile` never inflates more than it declares, and openpyxl reads through :mod:`zipfile`
too. :func:`scan` streams one part through expat, the parser openpyxl's ElementTree uses.

The one error of the upload checks, :class:`SheetError`, is raised here first.
"""

from __future__ import annotations

import io
import pyexpat
import zipfile
from typing import IO, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_EXPANDED = 100 * 1024 * 1024
MAX_MEMBERS = 2_000
# Apache POI's zip-bomb rule (ZipSecureFile): a part may not inflate more than 100 times, once
# it is big enough to matter. Real sheets compress 5-20 times.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024

UNREADABLE = gettext_noop(
    "Excelブック（.xlsx）として読み取れません。ファイルが壊れていないか確認してください。"
)
NOT_OOXML = gettext_noop(
    "Office ファイルとして読み取れません。ファイルが壊れていないか確認してください。"
)
HAS_DTD = gettext_noop("XMLの文書型定義（DTD・実体参照）を含むファイルは受け付けられません。")
EXPANDED = gettext_noop("展開後のサイズが大きすぎるため受け付けられません（%(limit)sMBまで）。")
TOO_MANY_PARTS = gettext_noop(
    "ファイルを構成する部品が多すぎるため受け付けられません（%(limit)s個まで）。"
)
BOMB = gettext_noop(
    "圧縮率が極端に高い部品を含むため受け付けられません（zip爆弾のおそれがあります）。"
)
TOO_MANY_TAGS = gettext_noop("ファイルの中身（XMLの要素）が多すぎるため受け付けられません。")


class SheetError(ValueError):
    """The upload cannot be read; the message is Japanese and shown to the person."""


def over_limit(message: str, limit: int) -> str:
    """``message`` translated, naming its ``limit`` as people read numbers (20,000)."""
    return _(message) % {"limit": f"{limit:,}"}


def check_package(
    source: bytes | IO[bytes],
    *,
    max_expanded: int = MAX_EXPANDED,
    max_members: int = MAX_MEMBERS,
    unreadable: str = NOT_OOXML,
) -> None:
    """Refuse a zip bomb, too many parts or a part with a DTD (no XML is parsed beyond the
    prolog of each part). ``source`` is the bytes or a seekable binary file (rewound after)."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    start = stream.tell()
    try:
        with open_zip(stream, unreadable) as archive:
            infos = members(archive, max_expanded=max_expanded, max_members=max_members)
            for info in infos:
                scan(archive, info, max_tags=None, unreadable=unreadable)
    finally:
        stream.seek(start)


class _Zip:
    """A :class:`zipfile.ZipFile` whose read errors all become ``unreadable``."""

    def __init__(self, stream: IO[bytes], unreadable: str) -> None:
        self.unreadable = unreadable
        try:
            self.archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise SheetError(_(unreadable)) from None

    def __enter__(self) -> zipfile.ZipFile:
        return self.archive

    def __exit__(self, kind, error, trace) -> Literal[False]:
        self.archive.close()
        if isinstance(error, ZIP_ERRORS) and not isinstance(error, SheetError):
            raise SheetError(_(self.unreadable)) from error
        return False


# Broken, encrypted (RuntimeError) or unsupported (NotImplementedError) members.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
)


def open_zip(stream: IO[bytes], unreadable: str) -> _Zip:
    """The package as a zip, closed by ``with``; what is not a zip at all is ``unreadable``."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise SheetError(_(unreadable))
    return _Zip(stream, unreadable)


def members(
    archive: zipfile.ZipFile, *, max_expanded: int, max_members: int
) -> list[zipfile.ZipInfo]:
    """The package's parts, once their number, total size and compression ratios pass."""
    infos = archive.infolist()
    if len(infos) > max_members:
        raise SheetError(over_limit(TOO_MANY_PARTS, max_members))
    if sum(info.file_size for info in infos) > max_expanded:
        raise SheetError(_(EXPANDED) % {"limit": max_expanded // (1024 * 1024)})
    if len({info.filename for info in infos}) != len(infos):
        raise ValueError("duplicate part names")  # which one is read is a reader's guess
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            raise SheetError(_(BOMB))
    return infos


class _Stop(Exception):
    """The scan has seen enough (the root element, for a prolog-only scan)."""


class Refused(Exception):
    """Raised inside an expat handler; ``message`` is the translated one to show."""

    def __init__(self, message: str) -> None:
        self.message = message


def scan(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    *,
    max_tags: int | None,
    start=None,
    unreadable: str = UNREADABLE,
) -> bool:
    """Stream one part through expat (the parser openpyxl's ElementTree uses): refuse a DTD,
    stop past ``max_tags`` tags, and call ``start(name, attributes)`` per element.

    With ``max_tags=None`` only the prolog is read (a DTD must come before the root). Returns
    whether the part is XML at all; images and other binary parts are not, and are left alone.
    """
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args) -> None:
        raise Refused(_(HAS_DTD))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    if max_tags is None:

        def root(*_args) -> None:
            raise _Stop

        parser.StartElementHandler = root
    elif start is not None:
        parser.StartElementHandler = start
    tags = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 16 if max_tags is None else 1 << 20):
                if max_tags is not None:
                    tags += chunk.count(b"<")
                    if tags > max_tags:
                        raise Refused(_(TOO_MANY_TAGS))
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop:
        return True
    except Refused as refused:
        raise SheetError(refused.message) from None
    except pyexpat.ExpatError:
        return False
    except ZIP_ERRORS:
        raise SheetError(_(unreadable)) from None
    return True
