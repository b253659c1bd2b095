"""The survey desk in a real browser, end to end.

The journey: 厚生労働省 designs a new survey of every municipality via the prefectures (経由)
and publishes it; 札幌市 answers on the page; 函館市 answers in the Excel template (a wrong
number first: the marked workbook comes back and nothing is saved); 北海道 sends 札幌市's
answer back with a comment, reminds the rest (one digest per person, through the outbox),
takes in the rest of its municipalities by its one workbook and confirms its 取りまとめ;
厚生労働省 follows the rate and downloads the results workbook (in-process worker).

A second test keeps the demo survey's checks: the conditional question and the range message.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import log_in

SHOTS = Path("/tmp/surveyjourney")
TITLE = "窓口業務のオンライン化に関する実態調査"
Q_METHOD = "窓口の運営方式"
Q_STAFF = "オンライン申請の担当職員数"
Q_SECTION = "担当部署名"
TIMINGS: dict[str, float] = {}


@pytest.fixture(autouse=True)
def _patient_expect():
    """The journey waits as long as the page fixture does (15 s, not expect's 5 s): a shared
    two-core machine can take longer than 5 s for a POST while other suites run."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def desk(demo):
    from surveys import demo as survey_demo

    survey_demo.load()
    return demo


def shot(page, name: str, *, full_page: bool = True) -> None:
    """A screenshot to look at as a person would (long lists: the first screen only)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()


def messages(page):
    return page.locator(".messages")


def download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def answer_row(sheet, text: str) -> int:
    """The row of a question in the template's answers sheet (its text in column B)."""
    for row in range(5, sheet.max_row + 1):
        if sheet.cell(row=row, column=2).value == text:
            return row
    raise AssertionError(f"no question {text!r} in the template")


def add_question(page, text: str, kind: str, **fields) -> None:
    page.get_by_role("link", name="質問を追加").click()
    page.get_by_label("質問 必須").fill(text)
    page.get_by_label("種類").select_option(label=kind)
    # Only the fields of the chosen kind show (question_form.js).
    for label in ("選択肢", "単位", "最大値", "表の列"):
        if label in fields:
            expect(page.get_by_label(label, exact=True)).to_be_visible()
        else:
            expect(page.get_by_label(label, exact=True)).to_be_hidden()
    if fields.get("required"):
        page.get_by_label("回答必須").check()
    for label in ("選択肢", "単位", "最小値", "最大値"):
        if label in fields:
            page.get_by_label(re.compile(f"^{label}")).fill(fields[label])
    if fields.get("shot"):
        shot(page, fields["shot"], full_page=False)
    page.get_by_role("button", name="保存").click()
    expect(messages(page)).to_contain_text("質問を保存しました。")


def test_issue_answer_relay_and_collect_a_new_survey(page, desk):
    from outbox.models import Mail
    from review import notifications
    from review.models import Notice, ReviewEvent
    from surveys.models import Response, Survey

    started = time.monotonic()
    from django.utils import timezone

    today = timezone.localdate()

    # --- 厚生労働省 designs the survey and publishes it to every municipality, via prefectures.
    log_in(page, "mhlw@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name="照会を作成").click()
    page.get_by_label("件名").fill(TITLE)
    page.get_by_label("照会の趣旨").fill("窓口業務のオンライン化の状況を伺います。")
    page.get_by_label("照会先 必須").select_option(label="市区町村（一部事務組合等を含む）")
    page.get_by_label("回答開始日").fill(today.isoformat())
    page.get_by_label("回答期限").fill((today + dt.timedelta(days=14)).isoformat())
    page.get_by_label("都道府県経由").check()
    shot(page, "01-survey-form")
    page.get_by_role("button", name="保存").click()
    expect(messages(page)).to_contain_text("照会を作成しました。")
    add_question(page, Q_METHOD, "単一選択", 選択肢="直営\n委託\n直営と委託の併用")
    add_question(
        page,
        Q_STAFF,
        "数値",
        単位="人",
        最小値="0",
        最大値="500",
        required=True,
        shot="02-question-form",
    )
    add_question(page, Q_SECTION, "記述（1行）", required=True)
    expect(page.locator("ol li")).to_have_count(3)
    expect(page.locator("ol li").nth(1)).to_contain_text("（数値・人）")
    shot(page, "02-survey-draft")
    page.get_by_role("button", name="公開する").click()
    expect(messages(page)).to_contain_text("照会を公開しました。")
    survey = Survey.objects.get(title=TITLE)
    assert survey.via_prefectures and survey.is_published
    municipalities = survey.responses.count()
    assert municipalities > 1700  # every municipality (and 一部事務組合等)
    TIMINGS["issue"] = time.monotonic() - started
    log_out(page)

    # --- 札幌市 answers on the page and submits.
    mark = time.monotonic()
    log_in(page, "sapporo@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label(Q_METHOD).select_option("直営")
    page.get_by_label(Q_STAFF).fill("12")
    page.get_by_label(Q_SECTION).fill("デジタル戦略推進局")
    page.get_by_role("button", name="提出する").click()
    expect(messages(page)).to_contain_text("回答を提出しました。")
    expect(page.locator(".facts")).to_contain_text("提出済み")
    TIMINGS["sapporo"] = time.monotonic() - mark
    log_out(page)

    # --- 函館市 answers in Excel: a wrong number first, then the right one.
    mark = time.monotonic()
    log_in(page, "hakodate@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name=TITLE).click()
    template = download(page, page.get_by_role("link", name="回答用のExcel様式をダウンロード"))
    book = load_workbook(io.BytesIO(template))
    sheet = book["回答"]
    sheet.cell(row=answer_row(sheet, Q_METHOD), column=4, value="委託")
    sheet.cell(row=answer_row(sheet, Q_STAFF), column=4, value=900)  # over 500
    sheet.cell(row=answer_row(sheet, Q_SECTION), column=4, value="市民部 戸籍住民課")
    wrong, right = SHOTS / "hakodate-wrong.xlsx", SHOTS / "hakodate.xlsx"
    SHOTS.mkdir(parents=True, exist_ok=True)
    book.save(wrong)
    sheet.cell(row=answer_row(sheet, Q_STAFF), column=4, value=3)
    book.save(right)

    page.get_by_label("記入したExcelファイル").set_input_files(wrong)
    page.get_by_label("取り込んだ回答をそのまま提出する").check()
    page.get_by_role("button", name="Excelの回答を取り込む").click()
    expect(messages(page)).to_contain_text(
        "アップロードしたファイルに誤りが1件あります。何も保存していません。"
    )
    expect(page.locator("#upload-errors")).to_contain_text(
        f"2. {Q_STAFF}: 0人以上500人以下の数値を入力してください。"
    )
    shot(page, "03-hakodate-refused")
    hakodate = Response.objects.get(survey=survey, organization__code="012025")
    assert hakodate.status == "not_started" and not hakodate.answers.exists()
    marked = load_workbook(
        io.BytesIO(download(page, page.get_by_role("link", name="誤りの箇所を示したファイル")))
    )["回答"]
    staff_row = answer_row(marked, Q_STAFF)
    assert marked.cell(row=staff_row, column=4).value == 900  # what was typed, kept
    error = marked.cell(row=staff_row, column=5).value
    assert error == "0人以上500人以下の数値を入力してください。"
    assert marked.cell(row=staff_row, column=4).fill.fgColor.rgb.endswith("FFD7D7")
    assert marked.cell(row=answer_row(marked, Q_METHOD), column=5).value is None

    page.get_by_label("記入したExcelファイル").set_input_files(right)
    page.get_by_label("取り込んだ回答をそのまま提出する").check()
    page.get_by_role("button", name="Excelの回答を取り込む").click()
    expect(messages(page)).to_contain_text("Excelの回答を取り込み、提出しました。")
    expect(page.locator(".facts")).to_contain_text("提出済み")
    expect(page.get_by_label(Q_STAFF)).to_have_value("3")
    shot(page, "04-hakodate-submitted")
    TIMINGS["hakodate"] = time.monotonic() - mark
    log_out(page)

    # --- 北海道 relays: both answers in, 札幌市's sent back, the rest reminded.
    mark = time.monotonic()
    log_in(page, "hokkaido@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", name="管内の取りまとめ")).to_be_visible()
    in_hokkaido = survey.responses.filter(organization__prefecture__code="010006").count()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(in_hokkaido)
    expect(rows.filter(has_text="札幌市")).to_contain_text("提出済み")
    expect(rows.filter(has_text="函館市")).to_contain_text("提出済み")
    expect(page.locator(".lead")).to_contain_text(f"未提出 {in_hokkaido - 2}団体")
    shot(page, "05-relay", full_page=False)
    rows.filter(has_text="札幌市").get_by_role("link").click()
    expect(page.get_by_label(Q_STAFF)).to_have_value("12")  # the prefecture reads the answer
    page.get_by_label("差戻しの理由").fill("担当職員数は兼務を含めて再確認してください。")
    page.get_by_role("button", name="コメントを付けて差し戻す").click()
    expect(messages(page)).to_contain_text("回答を差し戻しました。")
    expect(page.locator(".facts")).to_contain_text("差戻し")
    page.get_by_role("link", name="管内の取りまとめ").click()

    mails_before = Mail.objects.count()
    page.get_by_role("button", name="未提出の団体に督促する").click()
    pending = in_hokkaido - 1  # 札幌市 again among them
    expect(messages(page)).to_contain_text(
        f"{pending}団体に督促しました（本日の通知にまとめて届きます）。"
    )
    reminders = ReviewEvent.objects.filter(
        kind=ReviewEvent.Kind.SURVEY_REMINDER, url__contains=f"/surveys/{survey.pk}/"
    )
    assert reminders.count() == pending  # one event per organisation reminded
    told = Notice.objects.filter(event__in=reminders)
    assert told.exists() and not told.filter(immediate=True).exists()
    assert Mail.objects.count() == mails_before  # no mail yet: it waits for the digest
    notifications.queue_digests(today)
    notifications.send_pending()
    digests = Mail.objects.filter(kind="review.digest", body__contains=TITLE)
    recipients = sorted(address for mail in digests for address in mail.to)
    assert recipients == sorted(set(told.values_list("recipient__email", flat=True)))
    assert "sapporo@demo.example" in recipients
    digest = digests.get(to=["sapporo@demo.example"])
    assert f"/surveys/{survey.pk}/answers/011002/" in digest.body
    (SHOTS / "digest-sapporo.txt").write_text(f"{digest.subject}\n\n{digest.body}")
    # one digest per person (札幌市's staff), not one mail per organisation or per survey
    assert Mail.objects.count() - mails_before == digests.count() == len(set(recipients))

    # 確定 waits for every municipality: no button yet, the page says when.
    expect(page.get_by_role("button", name="取りまとめを確定する")).to_have_count(0)
    expect(
        page.get_by_text("管内のすべての団体が提出すると、取りまとめを確定できます。")
    ).to_be_visible()
    TIMINGS["hokkaido-relay"] = time.monotonic() - mark
    log_out(page)

    # --- 札幌市 reads the comment, corrects and submits again.
    log_in(page, "sapporo@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".facts")).to_contain_text("兼務を含めて再確認してください。")
    page.get_by_label(Q_STAFF).fill("15")
    page.get_by_role("button", name="提出する").click()
    expect(messages(page)).to_contain_text("回答を提出しました。")
    log_out(page)

    # --- 北海道 takes in the rest by its one workbook and confirms the 取りまとめ.
    mark = time.monotonic()
    log_in(page, "hokkaido@demo.example")
    page.goto(f"/surveys/{survey.pk}/relay/")
    expect(page.locator(".lead")).to_contain_text(f"未提出 {in_hokkaido - 2}団体")
    batch = load_workbook(
        io.BytesIO(download(page, page.get_by_role("link", name="取りまとめ用のExcel様式")))
    )
    sheet = batch["回答"]
    heads = {sheet.cell(row=2, column=c).value: c for c in range(3, sheet.max_column + 1)}
    filled = 0
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row=row, column=heads[Q_SECTION]).value:
            continue  # 札幌市 and 函館市 answered themselves
        sheet.cell(row=row, column=heads[Q_METHOD], value="直営")
        sheet.cell(row=row, column=heads[Q_STAFF], value=1)
        sheet.cell(row=row, column=heads[Q_SECTION], value="総務課")
        filled += 1
    assert filled == in_hokkaido - 2
    batch.save(SHOTS / "hokkaido.xlsx")
    page.get_by_label("記入したExcelファイル（管内すべての団体）").set_input_files(
        SHOTS / "hokkaido.xlsx"
    )
    page.get_by_role("button", name="Excelの回答を取り込む").click()
    expect(messages(page)).to_contain_text(f"{filled}団体の回答を取り込み、提出しました。")
    page.get_by_role("button", name="取りまとめを確定する").click()
    expect(messages(page)).to_contain_text("取りまとめを確定しました。照会元に届きます。")
    expect(page.locator(".lead")).to_contain_text("取りまとめ確定済み")
    expect(page.get_by_role("button", name="取りまとめを確定する")).to_have_count(0)
    shot(page, "06-relay-confirmed", full_page=False)
    sapporo = Response.objects.get(survey=survey, organization__code="011002")
    assert sapporo.submitted_by.email == "sapporo@demo.example"  # not re-sent as 北海道's
    TIMINGS["hokkaido-batch"] = time.monotonic() - mark
    log_out(page)

    # --- 厚生労働省 follows the rate and downloads the results workbook.
    mark = time.monotonic()
    log_in(page, "mhlw@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="回答状況").click()
    percent = f"{100 * in_hokkaido / municipalities:.1f}"
    expect(page.locator(".lead")).to_contain_text(
        f"{municipalities}団体中 {in_hokkaido}団体が提出（{percent}%）"
    )
    hokkaido_rate = page.locator("tbody tr").filter(has_text="北海道").first
    expect(hokkaido_rate).to_contain_text("100.0%")
    expect(hokkaido_rate).to_contain_text("確定")
    expect(page.locator("tbody tr").filter(has_text="青森県").first).to_contain_text("未確定")
    shot(page, "07-tracking", full_page=False)
    page.get_by_role("link", name=survey.title).first.click()
    page.get_by_role("link", name="集計結果").click()
    shot(page, "08-results")
    page.get_by_role("button", name="集計表（Excel）を作成").click()
    expect(page.get_by_text("完了")).to_be_visible()
    shot(page, "09-results-job")
    data = download(page, page.get_by_role("link", name="ダウンロード"))
    sheet = load_workbook(io.BytesIO(data))["回答"]
    head = [cell.value for cell in sheet[1]]
    codes = {
        row[0]: dict(zip(head, row, strict=False))
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert len(codes) == municipalities
    assert codes["011002"]["状態"] == "提出済み"
    assert (codes["011002"][Q_METHOD], codes["011002"][Q_STAFF]) == ("直営", 15)
    assert codes["011002"][Q_SECTION] == "デジタル戦略推進局"
    assert codes["011002"]["提出者"] == "札幌 一郎"
    assert (codes["012025"][Q_METHOD], codes["012025"][Q_STAFF]) == ("委託", 3)
    assert codes["012025"][Q_SECTION] == "市民部 戸籍住民課"
    assert codes["012033"][Q_SECTION] == "総務課"  # 小樽市, by 北海道's workbook
    TIMINGS["mhlw-results"] = time.monotonic() - mark
    TIMINGS["total"] = time.monotonic() - started
    print("journey timings (s):", {k: round(v, 1) for k, v in TIMINGS.items()})


def test_demo_survey_condition_and_range(page, desk):
    """The demo survey: 職員数 is asked only while 窓口 is はい; a number over the range is
    refused next to its question."""
    from surveys.demo import TITLE as DEMO_TITLE

    log_in(page, "hakodate@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name=DEMO_TITLE).click()
    staff = page.locator("[data-question]").filter(has_text="窓口の担当職員数")
    expect(staff).to_be_visible()
    desk_set_up = page.get_by_role("group", name="番号制度の相談窓口を設置しましたか")
    desk_set_up.get_by_label("いいえ").check()
    expect(staff).to_be_hidden()
    desk_set_up.get_by_label("はい").check()
    expect(staff).to_be_visible()
    staff.locator("input").fill("501")
    page.get_by_role("button", name="提出する").click()
    expect(staff.locator(".field-error")).to_contain_text(
        "0人以上500人以下の数値を入力してください。"
    )
    shot(page, "10-demo-range-error")
    staff.locator("input").fill("2")
    page.get_by_role("button", name="提出する").click()
    expect(messages(page)).to_contain_text("回答を提出しました。")
