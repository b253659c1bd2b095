"""Hostile and broken Office files, shared by the tests of every upload.

The workbooks start from a real openpyxl-written one and change only what the attack
needs, so they are refused for the attack and not for being malformed.
"""

from __future__ import annotations

import io
import zipfile

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: list[list] | None = None, sheet_name: str = "計画") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    for row in rows or [["番号"]]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def many_rows(count: int, sheet_name: str = "計画") -> bytes:
    """A header and ``count`` rows below it."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    for number in range(count + 1):
        sheet.append([number])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def wide(rows: int = 1_000, columns: int = 1_000, sheet_name: str = "アカウント") -> bytes:
    """A rows × columns sheet of numbers (the 1,000 × 1,000 that took bulk issuance 43 s)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    line = list(range(columns))
    for _ in range(rows):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def padded_strings(count: int) -> bytes:
    """One cell, and ``count`` shared strings nothing uses."""
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "番号"
    out = io.BytesIO()
    book.save(out)
    members = parts(out.getvalue())
    members["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main">' + b"".join(b"<si><t>%d</t></si>" % n for n in range(count)) + b"</sst>"
    )
    if b"sharedStrings" not in members["[Content_Types].xml"]:  # openpyxl finds it by type
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    return package(members)


def padded_styles(count: int) -> bytes:
    """One cell, and ``count`` cell formats (each different, so they do not compress away)."""
    import re

    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = 1
    out = io.BytesIO()
    book.save(out)
    members = parts(out.getvalue())
    formats = b"".join(
        b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0"/>' % (n % 200)
        for n in range(count)
    )
    members["xl/styles.xml"] = re.sub(
        rb'<cellXfs count="\d+">',
        b'<cellXfs count="%d">' % count + formats,
        members["xl/styles.xml"],
        count=1,
    )
    return package(members)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def package(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def renamed_sheet(data: bytes, new_name: str = "xl/sheetsx/sheet1.xml") -> bytes:
    """``data`` with its first sheet stored under another part name, referenced from the
    workbook's rels and ``[Content_Types].xml`` as any real workbook can (openpyxl loads it;
    the test checks)."""
    members = parts(data)
    members[new_name] = members.pop(SHEET)
    relative = new_name.removeprefix("xl/")
    members["xl/_rels/workbook.xml.rels"] = (
        members["xl/_rels/workbook.xml.rels"]
        .replace(b"/xl/worksheets/sheet1.xml", b"/" + new_name.encode())
        .replace(b'"worksheets/sheet1.xml"', b'"' + relative.encode() + b'"')
    )
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"/xl/worksheets/sheet1.xml", b"/" + new_name.encode()
    )
    assert new_name.encode() in members["xl/_rels/workbook.xml.rels"]
    return package(members)


def xlsx_with(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is ``sheet_xml``."""
    members = parts(workbook())
    members[SHEET] = sheet_xml
    return package(members)


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    members = parts(data)
    members[name] = content
    return package(members)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<worksheet>&lol2;</worksheet>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE doc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&xxe;</w:document>"""


def zip_bomb() -> bytes:
    """A real workbook with a 101 MB sheet of spaces (about 100 KB compressed)."""
    members = parts(workbook())
    members[SHEET] = b" " * (101 * 1024 * 1024)
    return package(members)


def small_bomb(main: str = SHEET, size: int = 30 * 1024 * 1024) -> bytes:
    """Under every total size limit, but one part inflates about 1,000 times."""
    members = parts(workbook()) if main == SHEET else parts(docx())
    members[main] = b"<?xml version='1.0'?><w>" + b" " * size + b"</w>"
    return package(members)


def docx(document_xml: bytes | None = None) -> bytes:
    """A minimal but well-formed Word package."""
    document_xml = document_xml or (
        b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>'
    )
    return package(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'officeDocument" Target="word/document.xml"/></Relationships>',
            "word/document.xml": document_xml,
        }
    )


def docx_bomb() -> bytes:
    return small_bomb("word/document.xml")
