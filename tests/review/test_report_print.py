"""The meeting report prints: converted to PDF by LibreOffice (Debian's ``libreoffice-calc``,
a real second spreadsheet program), no chart is split across pages, every category is
labelled, every page of a table repeats its header, and the pages are A4 landscape."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from pypdf import PdfReader

from actionplan.models import Programme, Status
from orgs.models import Organization
from review import figures, reports
from review.rollups import FINISHED
from review.selectors import LateOrganization

PREFECTURES = [f"県{n:02d}" for n in range(1, 48)]
WORK_ITEMS = [f"{chr(ord('A') + n)}. 作業項目{n + 1}" for n in range(11)]
# The completion series' colour, as a PDF fill operator's operands (reports.SERIES_COLOURS).
ORGANISATION = re.compile(r"団体(\d+)")
BLUE = tuple(int(reports.SERIES_COLOURS[0][i : i + 2], 16) / 255 for i in (0, 2, 4))
# One worker converts the workbook with LibreOffice once, for every test of the module.
pytestmark = pytest.mark.xdist_group("report-print-pdf")


def national_figures() -> figures.Figures:
    """Figures as 47 prefectures and 11 work items give them, and 150 late organisations
    (three pages of the late list): the report's layout, without building 100k entries."""
    statuses = (Status.DONE, Status.IN_PROGRESS, Status.NOT_STARTED)
    status = {
        (item, pref, statuses[(item + pref) % 3]): (10 + pref, Decimal(1))
        for item in range(len(WORK_ITEMS))
        for pref in range(len(PREFECTURES))
    }
    assert any(key[2] in FINISHED for key in status)
    late = [
        LateOrganization(
            organization=Organization(code=f"{n:06d}", name=f"団体{n}"),
            flags=3,
            significant=2,
            worst=40,
            rules={"end_overdue"},
        )
        for n in range(150)
    ]
    return figures.Figures(on=dt.date(2015, 9, 30), status=status, rule={}, late=late)


def to_pdf(workbook: bytes, folder) -> PdfReader:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice is missing: apt-get install libreoffice-calc")
    source = folder / "report.xlsx"
    source.write_bytes(workbook)
    profile = folder / "profile"  # its own profile: parallel runs do not share a lock
    command = [soffice, f"-env:UserInstallation=file://{profile}", "--headless"]
    command += ["--convert-to", "pdf", "--outdir", str(folder), str(source)]
    env = {**os.environ, "HOME": str(folder)}
    subprocess.run(command, check=True, capture_output=True, timeout=180, env=env)
    return PdfReader(io.BytesIO((folder / "report.pdf").read_bytes()))


def fills(page) -> set[tuple[float, ...]]:
    """The RGB fill colours a page paints with (``r g b rg`` operators)."""
    from pypdf.generic import ContentStream

    content = ContentStream(page.get_contents(), page.pdf)
    return {
        tuple(round(float(value), 2) for value in operands)
        for operands, operator in content.operations
        if operator == b"rg"
    }


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    workbook = reports.workbook(
        Programme(name="番号制度導入 2015"),
        national_figures(),
        dict(enumerate(WORK_ITEMS)),
        dict(enumerate(PREFECTURES)),
    )
    reader = to_pdf(workbook, tmp_path_factory.mktemp("report"))
    return [(page, page.extract_text()) for page in reader.pages]


def test_every_page_is_a4_landscape(pages):
    for page, _ in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)


@pytest.mark.parametrize(
    ("title", "labels"),
    [("作業項目別 完了率（%）", WORK_ITEMS), ("都道府県別 完了率（%）", PREFECTURES)],
)
def test_each_chart_is_whole_on_one_page_with_every_label(pages, title, labels):
    blue = tuple(round(value, 2) for value in BLUE)
    with_bars = [text for page, text in pages if blue in fills(page)]
    # One page paints each chart's bars; the other chart's page is the only other one.
    assert len(with_bars) == 2, "a chart's bars are spread over more than one page"
    (text,) = [text for text in with_bars if title in text]
    compact = re.sub(r"\s", "", text)  # PDF text puts spaces between kana and digits
    missing = [label for label in labels if re.sub(r"\s", "", label) not in compact]
    assert not missing, f"labels not shown: {missing}"


def test_tables_repeat_their_header_on_every_page(pages):
    late_pages = [text for _, text in pages if ORGANISATION.search(text)]
    assert len(late_pages) >= 3  # 150 organisations take several pages
    for text in late_pages:
        assert "最大遅延日数" in text and "団体コード" in text
    printed = {int(n) for text in late_pages for n in ORGANISATION.findall(text)}
    assert printed == set(range(150))


def test_sheet_titles_give_the_date_with_its_fiscal_year(pages):
    titled = [text for _, text in pages if "2015/09/30（平成27年度）時点" in text]
    assert len(titled) >= 3  # the two summaries and the late list
