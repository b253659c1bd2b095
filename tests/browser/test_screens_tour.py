"""A tour of the main pages as the roles that reach them, on a desk (1280 × 900) and on a phone
(390 × 844): no page scrolls sideways (WCAG 1.4.10 reflow), every plan row's 編集 is on screen and
axe-core finds no violation of any impact.

Screenshots go to var/screens/ (gitignored) for people to look at; the figures measured are
printed, so a failing run says which page is how wide.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

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
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    tables: Array.from(document.querySelectorAll('table'))
      .map((t) => t.getBoundingClientRect().width),
    actions: Array.from(document.querySelectorAll('tbody.plan-row .actions a')).map((a) => {
      const seen = visible(a);
      return {seen: seen.right - seen.left, width: seen.width, name: a.getAttribute('aria-label')};
    }),
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


def _look(page, name: str, size: str, problems: list[str], *, actions: bool = False) -> dict:
    """Measure the page as it is now and write its screenshot; collect what does not fit."""
    page.wait_for_load_state("networkidle")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}-{size}.png"), full_page=True)
    figures = page.evaluate(MEASURE)
    inner = figures["innerWidth"]
    widest = max(figures["tables"], default=0)
    print(f"{name:<26} {size:<5} scrollWidth={figures['scrollWidth']} table={widest:.0f}")
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate(AXE)
    for violation in page.evaluate(RUN_AXE):
        print(f"  axe {violation['impact']}: {violation['id']} ({violation['nodes']})")
        problems.append(f"{name} at {size}: axe {violation['impact']} {violation['id']}")
    if figures["scrollWidth"] > inner:
        problems.append(f"{name} at {size}: page is {figures['scrollWidth']} px wide in {inner}")
    if actions:
        if not figures["actions"]:
            problems.append(f"{name} at {size}: no 編集 links found")
        for box in figures["actions"]:
            # Wholly in view: not cut by the window nor by a scroll box around the table.
            if box["width"] == 0 or box["seen"] < box["width"] - 0.5:
                problems.append(
                    f"{name} at {size}: {box['name']} shows {box['seen']:.0f} px"
                    f" of {box['width']:.0f}"
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


def _tour(browser, live_server, email: str | None, pages: list[tuple[str, str]], **kw) -> list[str]:
    problems: list[str] = []
    for size, viewport in VIEWPORTS.items():
        context = _context(browser, live_server, viewport)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if email:
            log_in(page, email)
        for name, url in pages:
            response = page.goto(url)
            assert response.status == 200, f"{url} as {email}: {response.status}"
            _look(page, name, size, problems, actions=name.startswith("plan"))
            if name.startswith("top"):
                _buttons_of_one_row(page, name, size, problems)
            if name.startswith("plan") and kw.get("open_form"):
                page.locator("tbody.plan-row .actions a").first.click()
                page.locator("form.entry-form").wait_for()
                _look(page, f"{name}-editing", size, problems)
                for label in ("計画開始", "実績開始", "実績終了", "状況"):
                    box = page.get_by_label(label, exact=True).bounding_box()
                    if box is None or box["x"] < 0 or box["x"] + box["width"] > viewport["width"]:
                        problems.append(f"{name} form at {size}: {label} off-screen ({box})")
        context.close()
    return problems


def test_sapporo_tours_its_plan_and_the_shared_pages(browser, live_server, everything):
    pages = [
        ("top-sapporo", "/"),
        ("plan-sapporo", "/orgs/011002/plan/"),
        ("review-org-sapporo", "/review/orgs/011002/"),
        ("documents", "/documents/"),
        ("procedures", "/procedures/"),
        ("faq", "/faq/"),
        ("inquiry-new", "/inquiries/new/"),
    ]
    problems = _tour(browser, live_server, "sapporo@demo.example", pages, open_form=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("email", "code"), [("hakodate@demo.example", "012025"), ("aomori@demo.example", "022012")]
)
def test_the_wide_plans_of_the_issue_fit(browser, live_server, everything, email, code):
    name = email.split("@")[0]
    problems = _tour(browser, live_server, email, [(f"plan-{name}", f"/orgs/{code}/plan/")])
    assert not problems, "\n".join(problems)


def test_reviewer_tours_the_review_pages(browser, live_server, everything):
    pages = [
        ("review-mhlw", "/review/"),
        ("review-late", "/review/late/"),
        ("review-late-by-org", "/review/late/?by=org"),
        ("review-org-as-mhlw", "/review/orgs/011002/"),
        ("review-prefecture", "/review/prefectures/010006/"),
    ]
    problems = _tour(browser, live_server, "mhlw@demo.example", pages)
    assert not problems, "\n".join(problems)


def test_prefecture_admin_tours_accounts_and_review(browser, live_server, everything):
    pages = [
        ("top-hokkaido", "/"),
        ("manage-accounts", "/manage/accounts/"),
        ("review-hokkaido", "/review/"),
    ]
    problems = _tour(browser, live_server, "hokkaido@demo.example", pages)
    assert not problems, "\n".join(problems)


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
