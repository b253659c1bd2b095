"""Small, valid sample files for the demo content and the tests (nothing is downloaded).

Each passes :func:`pmo.uploads.validate_upload` for its extension.
"""

from __future__ import annotations

import io
import zipfile

from pmo.uploads import OLE2_MAGIC


def minimal_pdf(title: str = "Digital PMO") -> bytes:
    """A one-page PDF with ``title`` (ASCII in the page; the file name carries Japanese)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def minimal_ooxml(main_folder: str = "word/") -> bytes:
    """A zip shaped like an OOXML package (``[Content_Types].xml`` + the main folder)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(f"{main_folder}document.xml", "<document/>")
    return out.getvalue()


def minimal_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "Digital PMO")
    return out.getvalue()


def minimal_ole2() -> bytes:
    """The OLE2 compound-file header old Office files (.xls/.doc/.ppt) start with."""
    return OLE2_MAGIC + b"\x00" * 504
