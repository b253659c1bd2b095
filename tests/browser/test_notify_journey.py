"""Journey: the coordinator sees 札幌市 among those who have not entered their plan, 北海道's
administrator reminds it, 札幌市 sees the reminder on TOP and enters its plan, and the figures
move at once; a follow-up opened by the ministry reaches 札幌市's mailbox and TOP, and 札幌市's
answer reaches the ministry's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import log_in


@pytest.fixture
def published(demo):
    """The seed programme published to every organisation; nobody has entered anything."""
    from actionplan import publishing, seed
    from actionplan.models import Programme

    seed.load()
    publishing.publish(Programme.objects.get(name=seed.NAME))
    return demo


def _count(page) -> int:
    return int(re.sub(r"\D", "", page.locator(".result-count").inner_text()))


def _mail_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def _switch(page, email: str) -> None:
    page.context.clear_cookies()
    log_in(page, email)


def test_remind_enter_follow_up_answer_each_reaches_the_other_side(page, published):
    from outbox import sending as outbox
    from outbox.models import Mail
    from review import notifications

    # The coordinator: 札幌市 has entered nothing.
    log_in(page, "coordinator@demo.example")
    page.goto("/review/not-started/")
    expect(page.get_by_role("rowheader", name="北海道 札幌市")).to_be_visible()
    national = _count(page)

    # 北海道's administrator reminds it (one of its municipalities on its list).
    _switch(page, "hokkaido@demo.example")
    page.goto("/review/not-started/")
    in_hokkaido = _count(page)
    page.get_by_label("北海道 札幌市 を督促する").check()
    page.get_by_role("button", name="選んだ団体に督促する").click()
    expect(page.get_by_role("status")).to_contain_text("1 団体に計画の入力を督促しました")

    # 札幌市 sees the reminder on TOP, chooses mail at once, and enters a plan row.
    _switch(page, "sapporo@demo.example")
    unhandled = page.get_by_role("region", name="未対応の通知")
    expect(unhandled).to_contain_text("計画の入力のお願い：北海道")
    page.get_by_role("link", name="設定", exact=True).click()
    page.get_by_label("すぐに").check()
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("通知の受け取り方を保存しました")
    page.goto("/orgs/011002/plan/")
    page.get_by_role("link", name="住民への広報活動を編集").click()
    page.get_by_label("計画開始").fill("2015-04-01")
    page.get_by_label("計画終了").fill("2015-09-30")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("tbody.plan-row").first).to_contain_text("保存しました。")
    page.goto("/")
    expect(page.get_by_text("計画の入力のお願い")).to_have_count(0)

    # The figures move at once: 札幌市 has left both lists.
    _switch(page, "hokkaido@demo.example")
    page.goto("/review/not-started/")
    expect(page.get_by_role("rowheader", name="北海道 札幌市")).to_have_count(0)
    assert _count(page) == in_hokkaido - 1
    _switch(page, "coordinator@demo.example")
    page.goto("/review/not-started/")
    expect(page.get_by_role("rowheader", name="北海道 札幌市")).to_have_count(0)
    assert _count(page) == national - 1

    # The ministry opens a follow-up: 札幌市 chose "at once", so the mail is sent now.
    _switch(page, "mhlw@demo.example")
    page.goto("/review/orgs/011002/follow-ups/new/")
    page.get_by_label("作業項目").select_option(label="E. 番号利用事務移行")
    page.get_by_label("原因").select_option(label="ベンダー")
    page.get_by_label("対応策").fill("ベンダーと工程を再調整し、完了計画を提出してください。")
    page.get_by_label("対応期限").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="起票する").click()
    expect(page.get_by_role("status")).to_contain_text("フォローアップを登録しました")
    follow_up_url = page.url
    received = _mail_to("sapporo@demo.example")
    assert [m.subject for m in received if "フォローアップを起票しました" in m.subject], received
    assert "ベンダーと工程を再調整" in received[-1].body
    assert Mail.objects.filter(kind="review.follow_up_opened", state="sent").exists()

    # 札幌市 finds it on TOP and answers.
    _switch(page, "sapporo@demo.example")
    unhandled = page.get_by_role("region", name="未対応の通知")
    unhandled.get_by_role("link", name="フォローアップへの回答をお願いします").click()
    assert page.url == follow_up_url
    page.get_by_label("内容").fill("委託先と協議し、11月15日に完了する計画に改めました。")
    page.get_by_role("button", name="回答する").click()
    expect(page.locator(".facts")).to_contain_text("回答あり")
    page.goto("/")
    expect(page.get_by_text("フォローアップへの回答をお願いします")).to_have_count(0)

    # The ministry (daily digest, the default) gets the answer with the day's digest, and
    # sees it on TOP.
    assert not _mail_to("mhlw@demo.example")
    today = dt.date.today()
    notifications.queue_digests(today)
    notifications.deliver(notifications.pending_ids(today=today))
    outbox.send_due()
    digest = _mail_to("mhlw@demo.example")
    assert len(digest) == 1 and "フォローアップに回答しました" in digest[0].body
    assert "11月15日に完了する計画" in digest[0].body
    _switch(page, "mhlw@demo.example")
    unhandled = page.get_by_role("region", name="未対応の通知")
    expect(unhandled).to_contain_text("フォローアップに回答がありました：北海道 札幌市")
