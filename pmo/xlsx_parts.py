"""A workbook package's parts, found the way openpyxl finds them, before it parses any.

``[Content_Types].xml`` → the workbook part → its rels → each sheet's part, whatever their
names, and every part anything refers to (:class:`Package`): what :func:`pmo.xlsx_check.check`
counts and limits. Only small parts are read here (content types, the workbook, rels), each
through :func:`pmo.ooxml.scan`; a package that does not hold together is a ``ValueError``.
"""

from __future__ import annotations

import posixpath
import zipfile

from pmo.ooxml import scan

# The parts openpyxl parses on every load, each tag into an object (about 25 µs each): the
# workbook (sheets, defined names) and the document properties stay small in real files
# (styles have their own limit, :data:`pmo.xlsx_check.MAX_STYLES`).
MAX_WORKBOOK_TAGS = 200_000

CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
# Parts openpyxl reads by their fixed name, whether anything refers to them or not.
FIXED_PARTS = (
    "docProps/core.xml",
    "docProps/app.xml",
    "docProps/custom.xml",
    "xl/workbook.xml",
    "xl/styles.xml",
    "xl/theme/theme1.xml",
    "xl/sharedStrings.xml",
)
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.%s.main+xml"
WORKBOOK_TYPES = (  # openpyxl's order (reader.excel._find_workbook_part)
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    SPREADSHEET % "sheet",
)
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
R_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"


class Package:
    """The parts of a workbook package, found as openpyxl finds them."""

    def __init__(self, archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> None:
        self.archive, self.infos = archive, infos
        self.workbook = self.shared_strings = ""

    def resolve(self) -> tuple[list[str], set[str]]:
        """The sheet parts the workbook lists, and every part anything refers to."""
        if CONTENT_TYPES not in self.infos:
            raise ValueError("no content types")
        overrides, defaults = [], set()
        for name, attrs in self._elements(CONTENT_TYPES):
            if name.endswith(" Override"):
                overrides.append((attrs.get("PartName", "").lstrip("/"), attrs.get("ContentType")))
            elif name.endswith(" Default"):
                defaults.add(attrs.get("ContentType"))
        workbook = next(
            (part for kind in WORKBOOK_TYPES for part, ct in overrides if ct == kind), None
        )
        if workbook is None and defaults & set(WORKBOOK_TYPES):
            workbook = "xl/workbook.xml"
        if workbook is None or workbook not in self.infos:
            raise ValueError("no workbook part")
        self.workbook = workbook
        self.shared_strings = next((p for p, ct in overrides if ct == SHARED_STRINGS), "")
        workbook_rels = self._relationships(workbook)
        ids = [
            attrs[R_ID]
            for name, attrs in self._elements(workbook)
            if name.endswith(" sheet") and R_ID in attrs
        ]
        sheets = []
        for sheet_id in ids:
            target = workbook_rels.get(sheet_id)
            if target is None:
                raise ValueError("sheet without a relationship")
            if target in self.infos and target not in sheets:  # openpyxl skips missing ones
                sheets.append(target)
        referenced = {CONTENT_TYPES, workbook, *FIXED_PARTS, *(p for p, _ct in overrides)}
        # Everything reachable through relationships, from the package and the workbook.
        queue = [ROOT_RELS, workbook, *sheets]
        seen: set[str] = set()
        while queue:
            part = queue.pop()
            if part in seen or part not in self.infos:
                continue
            seen.add(part)
            referenced.add(part)
            if part.endswith(".rels"):
                queue.extend(self._targets(part).values())
            else:
                queue.append(rels_path(part))
        return sheets, referenced & set(self.infos)

    def _relationships(self, part: str) -> dict[str, str]:
        path = rels_path(part)
        if path not in self.infos:
            raise ValueError("no relationships")
        return self._targets(path)

    def _targets(self, path: str) -> dict[str, str]:
        """Id → part name, resolved like openpyxl's ``get_dependents``."""
        parent = posixpath.split(posixpath.dirname(path))[0]
        targets = {}
        for name, attrs in self._elements(path):
            if name != f"{RELS_NS} Relationship" or attrs.get("TargetMode") == "External":
                continue
            target = attrs.get("Target", "")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(parent, target))
            targets[attrs.get("Id", "")] = target
        return targets

    def _elements(self, part: str) -> list[tuple[str, dict[str, str]]]:
        # Content types, the workbook and rels: small in real files, and held in memory here.
        found: list[tuple[str, dict[str, str]]] = []
        if not scan(
            self.archive,
            self.infos[part],
            max_tags=MAX_WORKBOOK_TAGS,
            start=lambda name, attrs: found.append((name, attrs)),
        ):
            raise ValueError(f"{part} is not XML")
        return found


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")
