"""Production smoke, the HTTP part: what people and the workers do, against the running stack.

Called by ``.ci/prod-smoke`` once gunicorn, a Celery worker and Celery beat run with
``DJANGO_ENV=production``. Every request goes to 127.0.0.1 with the public host name in
``Host`` and ``X-Forwarded-Proto: https``, as the reverse proxy sends them, so the secure
settings (SSL redirect, secure cookies, CSRF origin checks) are the real ones. Standard library
only (and openpyxl, a dependency). Each step prints ``ok: …`` or stops the run with a message.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from smoke_client import (
    HOST,
    Client,
    SmokeFailure,
    expect,
    fail,
    form_with,
    ok,
    squeeze,
    totp,
)

PASSWORD = os.environ["SMOKE_PASSWORD"]
STAFF = os.environ["SMOKE_STAFF"]
COORDINATOR = os.environ["SMOKE_COORDINATOR"]
ADMIN = os.environ["SMOKE_ADMIN"]
WORKER_LOG = Path(os.environ["SMOKE_WORKER_LOG"])
SAPPORO = "011002"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def log_in(email: str, *, totp_secret: str | None = None) -> Client:
    client = Client()
    page = expect(client.get("/accounts/login/"), 200, "login page")
    response = client.submit(page, form_with(page, "login"), {"login": email, "password": PASSWORD})
    if totp_secret:
        if "/accounts/2fa/authenticate/" not in response.path:
            fail(f"{email}: a two-factor role was not asked for its code (at {response.path})")
        form = form_with(response, "code")
        response = client.submit(response, form, {"code": totp(totp_secret)})
    expect(response, 200, f"{email} logs in")
    if response.path != "/":
        fail(f"{email}: login ended at {response.path}, not the TOP page")
    return client


def wait_for(what: str, check, *, seconds: float = 90) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    fail(f"{what}: not done within {seconds:.0f} s")
    return None


def worker_ran(task: str, task_id: str = "") -> str | None:
    pattern = re.compile(rf"Task {re.escape(task)}\[{task_id or '[^]]+'}\] succeeded in [^\n]*")
    found = pattern.findall(WORKER_LOG.read_text(encoding="utf-8", errors="replace"))
    return found[-1] if found else None


def celery_call(task: str, *args: object) -> str:
    """Enqueue by name, as beat does (the worker, not this process, runs it)."""
    command = [os.environ["SMOKE_CELERY"], "-A", "pmo", "call", task]
    if args:
        command.append(f"--args={json.dumps(list(args))}")
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    if result.returncode != 0:
        fail(f"celery call {task}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip().splitlines()[-1]


# --- The steps -----------------------------------------------------------------------------------


def check_health() -> None:
    response = expect(Client().get("/healthz"), 200, "/healthz")
    status = json.loads(response.body)
    if status.get("database") != "ok" or status.get("broker") != "ok":
        fail(f"/healthz: {status}")
    ok(f"/healthz 200 {status}")


def check_https_redirect() -> None:
    response = Client(proxy_https=False).get("/accounts/login/", follow=False)
    if response.status != 301 or response.headers["Location"] != f"https://{HOST}/accounts/login/":
        fail(f"plain HTTP is not redirected to https://{HOST}: {response.status}")
    ok("plain HTTP is redirected to HTTPS (SECURE_SSL_REDIRECT)")


def check_login_page_and_static() -> None:
    page = expect(Client().get("/accounts/login/"), 200, "login page")
    if "ログイン" not in page.text:
        fail("the login page is not Japanese")
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)))
    if not assets:
        fail("the login page references no static files")
    if not any(re.search(r"\.[0-9a-f]{12}\.(?:css|js)$", asset) for asset in assets):
        fail(f"static names are not hashed (manifest storage off?): {assets}")
    for asset in assets:
        response = expect(Client().get(asset), 200, "static file")
        if not response.body:
            fail(f"{asset} is empty")
    ok(f"login page in Japanese; its {len(assets)} static files answer 200: {', '.join(assets)}")


def check_not_found(client: Client) -> None:
    response = expect(client.get("/no-such-page-smoke/"), 404, "missing page")
    if os.environ.get("SMOKE_JAPANESE_404") and not JAPANESE.search(response.text):
        fail("templates/404.html exists but the 404 page has no Japanese text")
    ok("a missing page answers 404" + (" in Japanese" if JAPANESE.search(response.text) else ""))


def save_plan_entry(staff: Client) -> None:
    plan = expect(staff.get(f"/orgs/{SAPPORO}/plan/"), 200, "札幌市's plan")
    links = re.findall(rf"/orgs/{SAPPORO}/plan/entries/(\d+)/edit/", plan.text)
    if not links:
        fail("the plan page has no entry to edit")
    edit = f"/orgs/{SAPPORO}/plan/entries/{links[0]}/edit/"
    page = expect(staff.get(edit), 200, "entry edit page")
    remarks = f"本番スモーク {time.strftime('%Y/%m/%d %H:%M:%S')}"
    saved = staff.submit(page, form_with(page, "remarks"), {"remarks": remarks}, follow=False)
    if saved.status != 302 or f"/orgs/{SAPPORO}/plan/" not in saved.headers["Location"]:
        fail(f"saving the entry answered {saved.status}: {squeeze(saved.text)}")
    again = expect(staff.get(edit), 200, "entry edit page after saving")
    if html.escape(remarks) not in again.text and remarks not in again.text:
        fail("the saved remarks are not on the entry")
    ok(f"saved plan entry {links[0]} through the edit form (remarks {remarks!r})")


def import_plan_sheet(staff: Client) -> None:
    from openpyxl import load_workbook

    sheet_response = expect(staff.get(f"/orgs/{SAPPORO}/plan.xlsx"), 200, "plan sheet download")
    book = load_workbook(BytesIO(sheet_response.body))
    sheet = book["計画"]
    column = next(cell.column for cell in sheet[1] if cell.value == "備考")
    sheet.cell(row=2, column=column, value="シート取込の確認（ワーカー）")
    upload = BytesIO()
    book.save(upload)
    page = expect(staff.get(f"/orgs/{SAPPORO}/plan/upload/"), 200, "upload page")
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    files = {"file": ("sapporo-plan.xlsx", upload.getvalue(), mime)}
    response = staff.submit(page, form_with(page, "file"), {}, files, follow=False)
    if response.status != 302 or "/plan/imports/" not in response.headers.get("Location", ""):
        fail(f"the upload was not accepted ({response.status}): {response.text[:300]}")
    job = urlsplit(response.headers["Location"]).path

    def finished():
        text = staff.get(job).text
        if 'class="form-error"' in text:  # (not the form-errors.js script tag)
            fail(f"the import job failed: {squeeze(re.sub(r'<[^>]+>', ' ', text))}")
        return "件を更新しました" in text and "取り込んでいます" not in text

    wait_for("the worker's plan import", finished)
    ran = wait_for("the worker's log", lambda: worker_ran("actionplan.tasks.import_plan"))
    if "（変更はありませんでした）" in staff.get(job).text:
        fail("the import changed nothing although a cell was edited")
    ok(f"plan sheet imported by the worker, state done ({ran})")


def coordinator_with_totp(secret: str) -> Client:
    client = log_in(COORDINATOR, totp_secret=secret)
    expect(client.get("/review/"), 200, "the coordinator's review page")
    ok(f"{COORDINATOR} (coordinator) logged in with password + TOTP; /review/ 200")
    return client


def first_admin_enrols_totp() -> Client:
    """The first administrator (create_admin) must enrol an authenticator at first login."""
    client = Client()
    page = expect(client.get("/accounts/login/"), 200, "login page")
    response = client.submit(page, form_with(page, "login"), {"login": ADMIN, "password": PASSWORD})
    if response.path.startswith("/accounts/reauthenticate/"):
        # allauth asks for the password again before an authenticator is added.
        response = client.submit(response, form_with(response, "password"), {"password": PASSWORD})
    if "/accounts/2fa/totp/activate" not in response.path:
        fail(f"the first admin was not sent to two-factor enrolment (at {response.path})")
    found = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', response.text) or (
        re.search(r'value="([A-Z2-7]{16,})"[^>]*id="authenticator_secret"', response.text)
    )
    if not found:
        fail("the enrolment page shows no authenticator secret")
    enrolled = client.submit(response, form_with(response, "code"), {"code": totp(found[1])})
    expect(enrolled, 200, "TOTP enrolment")
    expect(client.get("/manage/accounts/"), 200, "the admin's account management after enrolment")
    ok(f"{ADMIN} (create_admin) enrolled TOTP at first login and reached /manage/accounts/")
    return client


DOCUMENT = (
    "本番スモークの確認資料です。\nバックアップから戻した後も同じ内容で取り出せること。\n".encode()
)


def upload_document(admin: Client, staff: Client) -> None:
    """The administrator publishes a document with a file; the staff member downloads it.
    Where to find it is written to SMOKE_STATE for the check after the restore."""
    page = expect(admin.get("/documents/new/"), 200, "new document page")
    changes = {
        "title": "本番スモーク 確認資料",
        "purpose": "バックアップと復元の確認",
        "audience": "everyone",
        "publication": "publish",
    }
    files = {"upload": ("smoke-確認.txt", DOCUMENT, "text/plain")}
    form = form_with(page, "title")
    categories = [value for value in form.options.get("category", []) if value]
    if not categories:
        fail("the new document form offers no category")
    changes["category"] = categories[0]
    created = admin.submit(page, form, changes, files)
    found = re.search(r"/documents/(\d+)/files/(\d+)/download", created.text)
    if created.status != 200 or not found:
        fail(
            f"the document was not created ({created.status} at {created.path}): "
            f"{squeeze(re.sub(r'<[^>]+>', ' ', created.text))}"
        )
    download = expect(staff.get(found[0]), 200, "municipal staff downloads the document")
    if download.body != DOCUMENT:
        fail("the downloaded document differs from the uploaded file")
    state = {"download": found[0], "sha256": hashlib.sha256(DOCUMENT).hexdigest()}
    Path(os.environ["SMOKE_STATE"]).write_text(json.dumps(state), encoding="utf-8")
    ok(f"document uploaded by the admin, downloaded by municipal staff ({found[0]})")


def after_restore() -> None:
    """Against a second gunicorn on the restored database and media folder."""
    check_health()
    state = json.loads(Path(os.environ["SMOKE_STATE"]).read_text(encoding="utf-8"))
    staff = log_in(STAFF)
    download = expect(staff.get(state["download"]), 200, "download after restore")
    if hashlib.sha256(download.body).hexdigest() != state["sha256"]:
        fail("the document downloaded after the restore differs from the one uploaded")
    ok(f"after restore: staff logs in, {state['download']} gives the same file")


def delay_scan() -> None:
    task_id = celery_call("review.tasks.scan_delays")
    ran = wait_for(
        "the worker's delay scan", lambda: worker_ran("review.tasks.scan_delays", task_id)
    )
    ok(f"delay scan run by the worker ({ran})")


def meeting_report(coordinator: Client, job_id: int) -> None:
    # The portal's today is Tokyo's: between 15:00 and 24:00 UTC the machine's date is the day
    # before, and a past date is built by the worker instead of in the request.
    today = datetime.now(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d")
    inline = expect(coordinator.get(f"/review/report.xlsx?as_of={today}"), 200, "meeting report")
    if not inline.body.startswith(b"PK"):
        fail("the meeting report is not an .xlsx file")
    task_id = celery_call("review.tasks.build_report", job_id)
    wait_for("the worker's report", lambda: worker_ran("review.tasks.build_report", task_id))
    download = expect(
        coordinator.get(f"/review/reports/{job_id}/?download=1"), 200, "report job download"
    )
    if not download.body.startswith(b"PK"):
        fail(f"report job {job_id} is not done: its download is not an .xlsx file")
    ok(f"meeting report: inline .xlsx, and report job {job_id} built by the worker and downloaded")


def main() -> int:
    try:
        if sys.argv[1:] == ["restored"]:
            after_restore()
            return 0
        secret, report_job = os.environ["SMOKE_TOTP_SECRET"], int(os.environ["SMOKE_REPORT_JOB"])
        check_health()
        check_https_redirect()
        check_login_page_and_static()
        check_not_found(Client())
        staff = log_in(STAFF)
        ok(f"{STAFF} (municipal staff) logged in through the allauth form with CSRF")
        check_not_found(staff)
        save_plan_entry(staff)
        import_plan_sheet(staff)
        admin = first_admin_enrols_totp()
        upload_document(admin, staff)
        coordinator = coordinator_with_totp(secret)
        delay_scan()
        meeting_report(coordinator, report_job)
    except SmokeFailure as failure:
        print(f"PRODUCTION SMOKE FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
