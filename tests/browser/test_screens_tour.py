"""Every main page as every one of the nine demo people, on a desk (1280 × 900) and on a phone
(390 × 844), in a Japanese browser: where the role may go, the page; where it may not, the 404
page (in the shell, with the menu). On each: axe-core finds no violation of any impact, the page
never scrolls sideways (WCAG 1.4.10 reflow), every row action (編集 …) is wholly in view, no
select offers 「---------」, every date picker says 例: 2015/09/30, <html lang="ja">. The menu
and the 管理 page never link to a page that answers 404.

The pages come from the URL resolver (tour_pages.py; tests/test_tour_pages.py fails for a
pattern that is neither toured nor listed as no page). One browser, one context per person,
logged in once (two-factor with the demo TOTP code); the phone size is the same page resized.
Each person is a test of its own (`-k "every_role and sapporo"` tours one), so xdist's workers
share the tour. allauth's pages are toured below it.

Screenshots go to var/screens/<person>-<page>-<size>.png (gitignored) for people to look at;
the figures measured are printed (-s), so a failing run says which page is how wide.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.browser import tour_pages
from tests.browser.conftest import _fresh_totp_code, log_in

SCREENS = Path(settings.BASE_DIR) / "var" / "screens"
# axe-core, vendored from npm, pinned (vendor/axe-core/README.md): nothing downloads at run time.
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.length}));
}"""
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desk": DESK, "phone": PHONE}

# Row actions: whatever sits in a table's actions cell, and every 編集 of a table.
EDIT_LINKS = "tbody.plan-row .actions a"
# What a person is offered as a way on: the main menu and the 管理 page's list.
PROMISES = "nav[aria-label='メインメニュー'] a[href^='/']"
HUB_LINKS = "main .link-list a[href^='/']"
# A date that says how to write it: 例: 2015/09/30 (the picker's own order is the browser's).
DATE_HINT = re.compile(r"例[:：]\s*\d{4}/\d{2}/\d{2}")

# After the window changes size: a frame for the resize event and the scripts that follow it.
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 200)))"

# What the page measures: its own width against the window, and where each row action sits.
MEASURE = """() => {
  // The part of an element that can be seen: the window cut by every box that clips it.
  function visible(el) {
    let box = el.getBoundingClientRect();
    let left = Math.max(box.left, 0), right = Math.min(box.right, window.innerWidth);
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') {
        const clip = up.getBoundingClientRect();
        left = Math.max(left, clip.left); right = Math.min(right, clip.right);
      }
    }
    return {left, right, width: box.width, full: box.right - box.left};
  }
  const actions = new Set(document.querySelectorAll(
    'table td.actions a, table td.actions button, tbody.plan-row .actions a'));
  for (const el of document.querySelectorAll('table a, table button')) {
    if (el.textContent.trim() === '編集') actions.add(el);
  }
  const text = (id) => (document.getElementById(id) || {}).textContent || '';
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    lang: document.documentElement.lang,
    locale: navigator.language,
    dashes: document.documentElement.outerHTML.includes('---------'),
    tables: Array.from(document.querySelectorAll('table'))
      .map((t) => t.getBoundingClientRect().width),
    actions: Array.from(actions).filter((a) => a.getClientRects().length).map((a) => {
      const seen = visible(a);
      return {seen: seen.right - seen.left, width: seen.width,
              name: a.getAttribute('aria-label') || a.textContent.trim()};
    }),
    dates: Array.from(document.querySelectorAll('input[type=date]')).map((input) => ({
      name: input.name,
      hint: [...(input.getAttribute('aria-describedby') || '').split(/\\s+/).map(text),
             ...Array.from(input.labels || []).map((l) => l.textContent)].join(' '),
    })),
  };
}"""


@pytest.fixture
def everything(transactional_db):
    """The organisations, the shipped content and the demo accounts and data, as `make run`."""
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())


def _context(browser, live_server, viewport):
    return browser.new_context(
        base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo", viewport=viewport
    )


def _look(
    page, name: str, size: str, problems: list[str], *, axe=True, full=True, settle=True
) -> dict:
    """Measure the page as it is now and write its screenshot; collect what does not fit."""
    if settle:  # htmx may still be loading parts of the page
        page.wait_for_load_state("networkidle")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}-{size}.png"), full_page=full)
    figures = page.evaluate(MEASURE)
    inner = figures["innerWidth"]
    widest = max(figures["tables"], default=0)
    print(f"{name:<40} {size:<5} scrollWidth={figures['scrollWidth']} table={widest:.0f}")
    if axe:
        # Evaluated through the DevTools protocol, which the page's CSP does not govern.
        page.evaluate(AXE)
        for violation in page.evaluate(RUN_AXE):
            print(f"  axe {violation['impact']}: {violation['id']} ({violation['nodes']})")
            problems.append(f"{name} at {size}: axe {violation['impact']} {violation['id']}")
    if figures["scrollWidth"] > inner:
        problems.append(f"{name} at {size}: page is {figures['scrollWidth']} px wide in {inner}")
    if figures["lang"] != "ja":
        problems.append(f"{name}: <html lang={figures['lang']!r}>, expected ja")
    if figures["locale"] != "ja-JP":  # a date picker shows yyyy/mm/dd only in a Japanese browser
        problems.append(f"{name}: the browser runs as {figures['locale']}, expected ja-JP")
    if figures["dashes"]:
        problems.append(f"{name}: shows Django's empty choice 「---------」")
    for field in figures["dates"]:
        if not DATE_HINT.search(field["hint"]):
            problems.append(f"{name}: date field {field['name']!r} has no 例: 2015/09/30 hint")
    for box in figures["actions"]:
        # Wholly in view: not cut by the window nor by a scroll box around the table.
        if box["width"] == 0 or box["seen"] < box["width"] - 0.5:
            problems.append(
                f"{name} at {size}: {box['name']} shows {box['seen']:.0f} px of {box['width']:.0f}"
            )
    return figures


def _buttons_of_one_row(page, name: str, size: str, problems: list[str]) -> None:
    """TOP's two buttons: one height; stacked on a phone, one width and a gap between them."""
    boxes = [b.bounding_box() for b in page.locator("main .button-row .button").all()]
    if len(boxes) < 2:
        return
    first, second = boxes[0], boxes[1]
    if abs(first["height"] - second["height"]) > 0.5:
        problems.append(f"{name} at {size}: buttons {first['height']} and {second['height']} high")
    if second["y"] > first["y"] + 1:  # stacked
        if abs(first["width"] - second["width"]) > 0.5:
            problems.append(f"{name} at {size}: stacked buttons of different widths")
        if second["y"] - (first["y"] + first["height"]) < 4:
            problems.append(f"{name} at {size}: stacked buttons with no gap")


def _role(email: str) -> str:
    return email.split("@")[0]


def _check_404(page, name: str, size: str, problems: list[str]) -> None:
    """The 404 page, in the shell: its title, the portal's header and menu, the way back."""
    if not page.title().startswith("ページが見つかりません"):
        problems.append(f"{name} at {size}: 404 titled {page.title()!r}")
    for selector in (".site-header", "nav[aria-label='メインメニュー']", "main .error-page"):
        if page.locator(selector).count() != 1:
            problems.append(f"{name} at {size}: 404 page without {selector}")


def _open_edit_form(page, name: str, size: str, viewport, problems: list[str]) -> None:
    """The plan's first 編集 opens the form in the row: its fields stay on screen."""
    page.locator("tbody.plan-row .actions a").first.click()
    page.locator("form.entry-form").wait_for()
    _look(page, f"{name}-editing", size, problems)
    for label in ("計画開始", "実績開始", "実績終了", "状況"):
        box = page.get_by_label(label, exact=True).bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > viewport["width"]:
            problems.append(f"{name} form at {size}: {label} off-screen ({box})")


def _tour_role(browser, live_server, email: str, problems: list[str], reached: dict) -> None:
    from accounts.models import User

    role = _role(email)
    user = User.objects.get(email=email)
    context = _context(browser, live_server, DESK)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, email)
    promised: set[str] = set()  # what the menu and the 管理 page link to: never a 404
    axe_on_404: set[str] = set()  # the 404 page differs only by the menu: axe once a size
    for page_name, url in tour_pages.tour_for(user):
        name = f"{role}-{page_name.replace(':', '-').replace('?', '-').replace('=', '-')}"
        response = page.goto(url)
        status = response.status if response else None
        if "/accounts/login/" in page.url:
            problems.append(f"{name}: {url} sent {email} to the login page")
            log_in(page, email)
            continue
        if status not in (200, 404):
            problems.append(f"{name}: {url} answered {status}")
            continue
        reached[(email, url)] = status
        if status == 200:
            links = HUB_LINKS if page_name == "accounts:hub" else PROMISES
            promised |= set(page.eval_on_selector_all(links, "els => els.map(a => a.pathname)"))
        editable = page_name == "actionplan:plan" and page.locator(EDIT_LINKS).count() > 0
        for index, (size, viewport) in enumerate(VIEWPORTS.items()):
            if index:
                page.set_viewport_size(viewport)
                page.evaluate(SETTLE)
            if status == 404:
                _look(
                    page, name, size, problems, axe=size not in axe_on_404, full=False, settle=False
                )
                axe_on_404.add(size)
                _check_404(page, name, size, problems)
                continue
            _look(page, name, size, problems)
            if page_name == "top":
                _buttons_of_one_row(page, name, size, problems)
            if editable:
                _open_edit_form(page, name, size, viewport, problems)
                page.reload()
        page.set_viewport_size(DESK)
    for path in sorted(promised & {url for (who, url) in reached if who == email}):
        if reached[(email, path)] != 200:
            problems.append(f"{role}: the menu links to {path}, which answers 404")
    context.close()


def _demo_roles() -> list[str]:
    from accounts.demo import DEMO_ACCOUNTS

    return [_role(account.email) for account in DEMO_ACCOUNTS]


@pytest.mark.parametrize("role", _demo_roles())
def test_every_main_page_as_every_role(browser, live_server, everything, role):
    """Each main page (tour_pages.MAIN_PAGES, complete by tests/test_tour_pages.py) as each of
    the nine demo people (one test each, so xdist's workers share the tour), at both sizes:
    the page, or the 404 page where the role may not go."""
    from accounts.demo import DEMO_ACCOUNTS

    (email,) = [a.email for a in DEMO_ACCOUNTS if _role(a.email) == role]
    problems: list[str] = []
    reached: dict[tuple[str, str], int] = {}
    began = time.monotonic()
    _tour_role(browser, live_server, email, problems, reached)
    pages = list(reached.values())
    print(f"{role:<12} {pages.count(200)} pages, {pages.count(404)} × 404")
    print(f"  in {time.monotonic() - began:.0f} s")
    assert not problems, "\n".join(problems)


def test_every_main_page_is_some_roles(client, settings, everything):
    """A page builder that reaches nobody would tour 404s only: each main page and variant
    answers 200 to at least one demo person (the same addresses the tour opens, through the
    test client: the browser adds nothing to the status)."""
    from accounts.demo import DEMO_ACCOUNTS
    from accounts.models import User

    settings.MFA_REQUIRED = False  # the tour logs in with the demo TOTP code; here no browser
    opened: dict[str, set[int]] = {}
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        client.force_login(user)
        for page_name, url in tour_pages.tour_for(user):
            status = client.get(url, follow=True).status_code
            opened.setdefault(page_name, set()).add(status)
    nobodys = sorted(name for name, statuses in opened.items() if 200 not in statuses)
    assert nobodys == [], f"no demo role reaches {nobodys}"
    assert opened.keys() == {**tour_pages.MAIN_PAGES, **tour_pages.VARIANTS}.keys()


def _auth_page(page, name: str, size: str, title: str, problems: list[str]) -> None:
    """An allauth page in the portal's shell: its own title, one term, the portal's buttons."""
    _look(page, name, size, problems)
    if not page.title().startswith(title):
        problems.append(f"{name}: title {page.title()!r}, expected {title!r}")
    if "多要素" in page.locator("body").inner_text():
        problems.append(f"{name}: says 多要素認証 instead of 二要素認証")
    if page.locator("main.site-main--auth, main .panel--narrow").count() != 1:
        problems.append(f"{name}: not in the portal's panel")
    plain = page.locator("main button:not(.button), main a.button:not([class*='button--'])")
    if plain.count():
        problems.append(f"{name}: {plain.count()} unstyled buttons")


def test_login_and_two_factor_pages_fit(browser, live_server, everything):
    problems: list[str] = []
    for size, viewport in VIEWPORTS.items():
        context = _context(browser, live_server, viewport)
        page = context.new_page()
        page.goto("/accounts/login/")
        _auth_page(page, "login", size, "ログイン", problems)
        page.goto("/accounts/password/reset/")
        _auth_page(page, "password-reset", size, "パスワードの再設定", problems)
        page.goto("/accounts/password/reset/done/")
        _auth_page(page, "password-reset-done", size, "パスワードの再設定", problems)
        page.goto("/accounts/login/")
        page.get_by_label("メールアドレス").fill("mhlw@demo.example")
        page.get_by_label("パスワード").fill("pmo-demo-2015")
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url("**/accounts/2fa/authenticate/")
        _auth_page(page, "two-factor", size, "二要素認証", problems)
        page.get_by_label("確認コード").fill(_fresh_totp_code("mhlw@demo.example"))
        page.get_by_role("button", name="確認").click()
        page.wait_for_url("**/")
        page.goto("/accounts/2fa/")
        _auth_page(page, "two-factor-settings", size, "二要素認証", problems)
        # The recovery codes are shown only after the password is entered again.
        page.goto("/accounts/2fa/recovery-codes/")
        _auth_page(page, "reauthenticate", size, "パスワードの再入力", problems)
        page.get_by_label("パスワード").fill("pmo-demo-2015")
        page.get_by_role("button", name="確認").click()
        page.wait_for_url("**/2fa/recovery-codes/")
        _auth_page(page, "recovery-codes", size, "リカバリーコード", problems)
        page.goto("/accounts/2fa/reauthenticate/")
        _auth_page(page, "reauthenticate-code", size, "二要素認証コードの再入力", problems)
        page.goto("/accounts/password/change/")
        _auth_page(page, "password-change", size, "パスワード変更", problems)
        page.goto("/accounts/logout/")
        _auth_page(page, "logout", size, "ログアウト", problems)
        context.close()
    assert not problems, "\n".join(problems)


def test_two_factor_setup_page_fits(browser, live_server, everything):
    problems: list[str] = []
    for size, viewport in VIEWPORTS.items():
        context = _context(browser, live_server, viewport)
        page = context.new_page()
        log_in(page, "sapporo@demo.example")
        page.goto("/accounts/2fa/totp/activate/")
        # Setting up asks for the password again first (allauth's reauthentication).
        page.get_by_label("パスワード").fill("pmo-demo-2015")
        page.get_by_role("button", name="確認").click()
        page.wait_for_url("**/2fa/totp/activate/")
        _auth_page(page, "two-factor-setup", size, "二要素認証の設定", problems)
        context.close()
    assert not problems, "\n".join(problems)


def _reset_link(email: str, sent_before: int) -> str:
    from django.core import mail

    (message,) = [m for m in mail.outbox[sent_before:] if m.to == [email]]
    # The path only: the mail names the configured site, not the test's server.
    return re.search(r"/accounts/password/reset/key/\S+/", message.body).group(0)


def test_password_reset_link_pages_fit(browser, live_server, everything):
    """The mailed reset link: its form, the page after it, and the link used a second time."""
    from django.core import mail

    problems: list[str] = []
    for number, (size, viewport) in enumerate(VIEWPORTS.items()):
        context = _context(browser, live_server, viewport)
        page = context.new_page()
        page.goto("/accounts/password/reset/")
        sent = len(mail.outbox)
        page.get_by_label("メールアドレス").fill("sapporo@demo.example")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/password/reset/done/")
        link = _reset_link("sapporo@demo.example", sent)
        page.goto(link)
        page.wait_for_url("**/*-set-password/")
        _auth_page(page, "password-reset-from-key", size, "新しいパスワードの設定", problems)
        new_password = f"Sapporo-Ichiro-{number}-2015"
        page.get_by_label("新しいパスワード", exact=False).first.fill(new_password)
        page.locator("input[name=password2]").fill(new_password)
        page.get_by_role("button", name="パスワードを設定する").click()
        page.wait_for_url("**/password/reset/key/done/")
        _auth_page(
            page, "password-reset-from-key-done", size, "パスワードを再設定しました", problems
        )
        page.goto(link)
        _auth_page(page, "password-reset-from-key-used", size, "再設定のリンクが無効です", problems)
        log_in(page, "sapporo@demo.example", new_password)
        context.close()
    assert not problems, "\n".join(problems)


def test_login_by_code_is_off():
    """allauth's code-entry login is not offered (ACCOUNT_LOGIN_BY_CODE_ENABLED): should it be
    turned on, its pages (/accounts/login/code/, …/confirm/) join the tour above."""
    from allauth.account import app_settings

    assert not app_settings.LOGIN_BY_CODE_ENABLED
    assert not app_settings.PASSWORD_RESET_BY_CODE_ENABLED


def test_two_factor_deactivation_page_fits(browser, live_server, everything):
    """Turning the authenticator app off: the page, and where it leads (the portal's words)."""
    from accounts.demo import enrol_demo_totp
    from accounts.models import User

    problems: list[str] = []
    reviewer = User.objects.get(email="mhlw@demo.example")
    for size, viewport in VIEWPORTS.items():
        enrol_demo_totp(reviewer)
        context = _context(browser, live_server, viewport)
        page = context.new_page()
        log_in(page, reviewer.email)
        page.goto("/accounts/2fa/totp/deactivate/")
        # Turning a factor off asks for the password again first (allauth's reauthentication).
        page.locator("input[name=password]").fill("pmo-demo-2015")
        page.get_by_role("button", name="確認").click()
        page.wait_for_url("**/2fa/totp/deactivate/")
        _auth_page(page, "two-factor-deactivate", size, "認証アプリの無効化", problems)
        page.get_by_role("button", name="無効にする").click()
        page.wait_for_url("**/accounts/2fa/**")
        _auth_page(page, "two-factor-deactivated", size, "二要素認証", problems)
        if "認証アプリを無効にしました。" not in page.locator("body").inner_text():
            problems.append(f"deactivated at {size}: no 認証アプリを無効にしました。")
        context.close()
    assert not problems, "\n".join(problems)


def test_date_pickers_read_year_month_day(browser):
    """The browser runs in Japanese (conftest: LANGUAGE, --lang, context locale ja-JP), so a
    date picker shows 2015/09/30 with 年, 月, 日 in that order, as an officer's browser does;
    an English one shows 09/30/2015 (needs Debian's chromium-l10n for the Japanese UI)."""
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.set_content(
        '<html lang="ja"><label for="d">日付</label><input type="date" id="d" value="2015-09-30">'
    )
    tree = context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    fields = [
        node["name"]["value"].split()[0]
        for node in tree["nodes"]
        if not node.get("ignored") and node.get("role", {}).get("value") == "spinbutton"
    ]
    context.close()
    assert fields == ["年", "月", "日"], f"date picker fields {fields}: install chromium-l10n"
