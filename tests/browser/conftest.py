"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import time

import pytest

CHROMIUM = os.environ.get("PMO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # The browser's own language, as a Japanese officer's: date pickers show 年/月/日 in that
    # order (yyyy/mm/dd), not the mm/dd/yyyy of an English browser. On Linux Chromium takes it
    # from LANGUAGE/LANG (CHROMIUM_ENV); --lang is for the other platforms.
    "--lang=ja-JP",
]
# LANG stays a UTF-8 locale the machine has (C.UTF-8): with a locale that is not installed
# (ja_JP.UTF-8 on most CI images) Chromium cannot name a download with a Japanese filename.
CHROMIUM_ENV = {"LANGUAGE": "ja", "LANG": "C.UTF-8"}


MISSING_CHROMIUM = (
    f"Chromium is missing at {CHROMIUM}: install it with "
    "`apt-get install chromium chromium-l10n fonts-noto-cjk` (or leave the browser journeys out "
    "deliberately with `pytest -m 'not browser'`)"
)


# tryfirst: the mark is on the items before `-m "not browser"` deselects by it.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def pytest_collection_finish(session):
    """A run that selected browser journeys fails at once without Chromium, never skips them:
    a skipped journey looks green while nothing was tested."""
    selected = any(item.get_closest_marker("browser") for item in session.items)
    if selected and not shutil.which(CHROMIUM):
        pytest.exit(MISSING_CHROMIUM, returncode=1)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, **CHROMIUM_ENV}
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db):
    """The real organisations and the demo accounts, as `make run` loads them."""
    from accounts.demo import load_demo_accounts
    from orgs.loader import load_all

    load_all()
    return {user.email: user for user in load_demo_accounts()}


def log_in(page, email: str, password: str = "pmo-demo-2015") -> None:
    """Log in as a demo account; roles with two-factor login get the demo TOTP code."""
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        page.locator("input[name=code]").fill(_fresh_totp_code(email))
        page.locator("form[action$='/2fa/authenticate/'] button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def _fresh_totp_code(email: str) -> str:
    """The demo code, forgotten as 'used' so a test may log the same person in twice.

    A code read in the last seconds of its 30-second step may reach the server after the
    step has turned, and allauth allows no tolerance: on a loaded CI machine that sent one
    journey on with the login still waiting for its code. So a code is read only with at
    least five seconds of its step left."""
    from django.core.cache import cache

    from accounts.demo import current_totp_code
    from accounts.models import User

    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.1)
    code = current_totp_code()
    user_id = User.objects.get(email=email).pk
    cache.delete(f"allauth.mfa.totp.used?user={user_id}&code={code}")
    return code


# --- Content-Security-Policy recorder (csp) ---------------------------------------------------
# Every journey checks, on each page it opens, that the policy header is the expected one and
# that the browser refused nothing (an inline style, an htmx eval, a stray <style>). Playwright
# injects the init script itself, so the page's policy does not apply to it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__pmoCspViolation({
    directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile,
    line: event.lineNumber, sample: event.sample, page: location.href,
  });
}, true);
"""


class CspRecord:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.violations: list[object] = []
        self.checked: list[str] = []  # the HTML pages whose header was read
        self.wrong_headers: list[tuple[str, str | None]] = []

    def console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"console {message.type}: {message.text}")

    def response(self, response) -> None:
        from tests.csp import CSP_EXPECTED, parse_csp

        if (
            response.request.resource_type != "document"
            or not response.url.startswith(self.origin)
            or response.status != 200
            or not response.headers.get("content-type", "").startswith("text/html")
        ):
            return
        header = response.headers.get("content-security-policy")
        self.checked.append(response.url)
        if header is None or parse_csp(header) != CSP_EXPECTED:
            self.wrong_headers.append((response.url, header))


@pytest.fixture(autouse=True)
def csp_record(request):
    """Fails a browser test at teardown if a page lacked the policy or the browser refused
    anything under it. Tests that use no page get None."""
    if "page" not in request.fixturenames:
        yield None
        return
    page = request.getfixturevalue("page")
    record = CspRecord(request.getfixturevalue("live_server").url)
    page.context.expose_binding(
        "__pmoCspViolation", lambda source, info: record.violations.append(info)
    )
    page.context.add_init_script(CSP_LISTENER)
    page.on("console", record.console)
    page.on("response", record.response)
    yield record
    from playwright.sync_api import Error as PlaywrightError

    # Let a violation event queued by the last action arrive (unless the page is gone).
    with contextlib.suppress(PlaywrightError):
        page.evaluate("new Promise((done) => setTimeout(done, 100))")
    problems = [f"refused by the policy: {v}" for v in record.violations] + [
        f"{url}: Content-Security-Policy {header!r}" for url, header in record.wrong_headers
    ]
    if problems:
        pytest.fail("Content-Security-Policy:\n" + "\n".join(map(str, problems)), pytrace=False)
