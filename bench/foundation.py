"""Foundation figures: loading the organisations, and the TOP page."""

from __future__ import annotations

import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import benchmark


@benchmark
def organisation_load() -> dict[str, float]:
    from orgs.loader import load_all

    start = time.perf_counter()
    first = load_all()
    first_seconds = time.perf_counter() - start
    start = time.perf_counter()
    load_all()
    again_seconds = time.perf_counter() - start
    return {
        "orgs.load.rows": first.created,
        "orgs.load.first_s": round(first_seconds, 3),
        "orgs.load.again_s": round(again_seconds, 3),
    }


@benchmark
def top_page() -> dict[str, float]:
    from accounts.demo import load_demo_accounts
    from orgs.loader import load_all

    load_all()
    users = {user.email: user for user in load_demo_accounts()}
    client = Client()
    client.force_login(users["sapporo@demo.example"])
    client.get("/")
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        client.get("/")
    per_request_ms = (time.perf_counter() - start) / runs * 1000
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    return {"top.server_ms": round(per_request_ms, 2), "top.queries": len(queries)}


@benchmark
def hostile_uploads() -> dict[str, float]:
    """How fast each importer refuses a 25,000-row sheet stored under another part name
    (``xl/sheetsx/sheet1.xml``), and what checking a 20,000-row plan-sized sheet costs."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts import sheets as account_sheets
    from actionplan import definition, excel
    from documents import sheets as procedure_sheets
    from faq import imports
    from pmo import ooxml, xlsx_check
    from tests.hostile_xlsx import many_rows, renamed_sheet

    def refused(read) -> None:
        try:
            read()
        except (ooxml.SheetError, procedure_sheets.ImportRejected):
            return

    hostile = renamed_sheet(many_rows(25_000))
    importers = {
        "accounts": lambda: account_sheets.read(SimpleUploadedFile("a.xlsx", hostile), None),
        "plan": lambda: excel.preflight(hostile, "plan.xlsx"),
        "programme": lambda: refused(lambda: definition.read(hostile, "programme.xlsx")),
        "procedures": lambda: refused(lambda: procedure_sheets.import_workbook(hostile)),
        "faqs": lambda: imports.import_faqs(SimpleUploadedFile("faq.xlsx", hostile)),
    }
    figures: dict[str, float] = {}
    for name, read in importers.items():
        start = time.perf_counter()
        refused(read)
        figures[f"upload.renamed_25k.{name}_ms"] = round((time.perf_counter() - start) * 1000, 1)
    allowed = many_rows(20_000)
    start = time.perf_counter()
    xlsx_check.check(allowed, "plan.xlsx")
    figures["upload.check_20k_rows_ms"] = round((time.perf_counter() - start) * 1000, 1)
    return figures
