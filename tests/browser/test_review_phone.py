"""/review/ on a phone (390 × 844) as the coordinator, who sees all 47 prefectures: the page is
short enough to use (the prefecture table as compact rows, not 47 stacked blocks), does not
scroll sideways, and axe finds nothing. The height is printed for the record."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_screens_tour import AXE, PHONE, RUN_AXE, _context, everything  # noqa: F401

# Measured before the change: 19,942 px (the 47 prefectures and 11 work items as stacked
# blocks); after, 5,457 px.
MAX_PHONE_HEIGHT = 6_000


@pytest.mark.usefixtures("everything")
@pytest.mark.parametrize("viewport", [PHONE])
def test_review_index_on_a_phone_is_short_and_fits(browser, live_server, viewport):
    context = _context(browser, live_server, viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, "coordinator@demo.example")
    page.goto("/review/")
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.evaluate("document.documentElement.scrollWidth")
    print(f"/review/ at 390 px: {height} px tall, {width} px wide")
    assert width <= viewport["width"]
    # Every prefecture is still one tap away.
    assert page.locator("a[href^='/review/prefectures/']").count() >= 47
    page.evaluate(AXE)
    assert page.evaluate(RUN_AXE) == []
    assert height <= MAX_PHONE_HEIGHT, height
    context.close()
