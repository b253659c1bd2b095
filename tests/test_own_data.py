"""「自団体のデータを一括ダウンロード」: /orgs/<code>/export.xlsx, one workbook of everything an
organisation has entered and received, through the permission door.

Every record is made through the product's own write paths (save_entry, the review and FAQ
services, share_effort), so the workbook is checked against what people really produce.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from actionplan import publishing
from actionplan import services as plan_services
from actionplan import systems as plan_systems
from actionplan.models import PlanEntry
from review import workflow
from tests.factories import MinistryFactory, MunicipalityFactory, PrefectureFactory, UserFactory

ON = dt.date(2015, 8, 1)  # "today" for the plan's rules
NOW = dt.datetime(2015, 8, 1, 10, 47, tzinfo=dt.UTC)  # 19:47 in Tokyo
SHEETS = [
    "目次",
    "計画",
    "完了時の入力項目",
    "計画の履歴",
    "助言",
    "計画の確認",
    "フォローアップ",
    "フォローアップの記録",
    "問い合わせ",
    "取組情報",
    "対象システム",
]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.MFA_REQUIRED = False  # second-factor enrolment is tested in accounts


@pytest.fixture
def hakodate(hokkaido):
    return MunicipalityFactory(code="012025", name="函館市", prefecture=hokkaido)


@pytest.fixture
def aomori_staff(db):
    aomori = MunicipalityFactory(
        code="022012", name="青森市", prefecture=PrefectureFactory(code="020001", name="青森県")
    )
    return UserFactory(email="staff@city.aomori.lg.jp", organization=aomori)


@pytest.fixture
def pref_admin(hokkaido):
    return UserFactory(
        email="admin@pref.hokkaido.lg.jp",
        display_name="北海 管理",
        organization=hokkaido,
        role=Role.PREFECTURE_ADMIN,
    )


@pytest.fixture
def mhlw(db):
    return MinistryFactory(code="mhlw-social-security", name="厚生労働省 社会保障担当参事官室")


@pytest.fixture
def coordinator(db):
    mic = MinistryFactory(code="mic-jumin", name="総務省 住民制度課")
    return UserFactory(
        email="coord@soumu.go.jp", display_name="総括 太郎", organization=mic, role=Role.COORDINATOR
    )


@pytest.fixture
def reviewer(mhlw):
    return UserFactory(
        email="r@mhlw.go.jp", display_name="厚労 確認", organization=mhlw, role=Role.REVIEWER
    )


def programme_with(tasks: int = 1):
    """A programme of one work item with ``tasks`` tasks (the first asks two completion
    items) and G's 設計 per target system."""
    first = {
        "name": "住民への広報活動",
        "milestones": [{"due_on": dt.date(2016, 1, 1)}],
        "completion_items": [
            {"label": "広報の実施日", "kind": "date"},
            {"label": "説明会を開いたか", "kind": "yes_no"},
        ],
    }
    more = [{"name": f"タスク{n:02d}"} for n in range(2, tasks + 1)]
    programme = plan_services.load_programme(
        {
            "name": "番号制度導入 2015",
            "starts_on": dt.date(2015, 1, 1),
            "ends_on": dt.date(2017, 12, 31),
            "plan_deadline": dt.date(2015, 6, 30),
            "work_items": [
                {"code": "A", "name": "計画・準備", "tasks": [first, *more]},
                {
                    "code": "G",
                    "name": "既存業務システム改修",
                    "tasks": [{"name": "設計", "per_system": True}],
                },
            ],
        }
    )
    publishing.publish(programme)  # every organisation gets its entries
    return programme


def save(user, entry: PlanEntry, **data) -> PlanEntry:
    entry.refresh_from_db()
    return plan_services.save_entry(user, entry.pk, data, entry.version, on=ON).entry


def entry_of(organization, task: str) -> PlanEntry:
    return PlanEntry.objects.get(organization=organization, task__name=task, system=None)


@pytest.fixture
def editor(db):
    cas = MinistryFactory(code="cas", name="内閣官房")
    return UserFactory(email="editor@cas.go.jp", organization=cas, role=Role.EDITOR)


@pytest.fixture
def filled(sapporo, alice, pref_admin, coordinator, reviewer, mhlw, editor):
    """札幌市's data, one of each kind, made through the services."""
    from documents import services as document_services
    from faq import inquiries as faq_inquiries

    with time_machine.travel(NOW, tick=False):
        programme = programme_with()
        plan_systems.add(alice, sapporo, "個人住民税")  # adds G's row for it
        entry = entry_of(sapporo, "住民への広報活動")
        save(alice, entry, planned_start=dt.date(2015, 4, 1), planned_end=dt.date(2015, 6, 30))
        items = {item.label: str(item.pk) for item in entry.task.completion_items.all()}
        save(
            alice,
            entry,
            actual_start=dt.date(2015, 4, 6),
            actual_end=dt.date(2015, 7, 9),
            status="done",
            progress=100,
            remarks='=HYPERLINK("http://evil")',
            completion={items["広報の実施日"]: "2015-07-09", items["説明会を開いたか"]: "yes"},
        )
        plan_services.add_advice(pref_admin, sapporo, programme, "説明会の資料を共有します。")
        follow_up = workflow.open_follow_up(
            coordinator,
            sapporo,
            programme,
            cause="vendor",
            actions="ベンダーと日程を再調整してください。",
            due_on=dt.date(2015, 9, 30),
        )
        workflow.add_note(alice, follow_up, "9月中に再調整します。", organization_side=True)
        check = workflow.route_check(coordinator, sapporo, programme, [mhlw], "確認済み")
        workflow.review_check(
            reviewer, check.reviews.get(), "needs_fix", "テストの期間を延ばしてください。"
        )
        inquiry = faq_inquiries.submit_inquiry(
            asker=alice, subject="中間サーバーの接続", body="接続試験の日程は？"
        )
        faq_inquiries.assign(inquiry, assignee=editor)
        faq_inquiries.answer(inquiry, text="10月に実施します。", by=editor)
        document_services.share_effort(
            actor=alice,
            title="広報の工夫",
            purpose="市民向け説明会の進め方",
            upload=SimpleUploadedFile("説明会.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
    return programme


def download(client, user, code: str = "011002"):
    client.force_login(user)
    response = client.get(f"/orgs/{code}/export.xlsx")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["X-Content-Type-Options"] == "nosniff"
    return response


def rows(book, title: str) -> list[tuple]:
    """A sheet's data rows (below the title row and the header row)."""
    return [row for row in book[title].iter_rows(min_row=3, values_only=True) if any(row)]


def header(book, title: str) -> tuple:
    return next(book[title].iter_rows(min_row=2, max_row=2, values_only=True))


def by_header(book, title: str) -> list[dict]:
    names = header(book, title)
    return [dict(zip(names, row, strict=False)) for row in rows(book, title)]


@pytest.fixture
def book(client, filled, alice):
    response = download(client, alice)
    assert "011002" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_sheets_in_reading_order_and_a_table_of_contents(book):
    assert book.sheetnames == SHEETS
    toc = {row[0]: row[2] for row in rows(book, "目次") if row[0] in SHEETS}
    assert toc == {
        "計画": 2,  # 住民への広報活動, 設計（個人住民税）
        "完了時の入力項目": 2,
        "計画の履歴": toc["計画の履歴"],
        "助言": 1,
        "計画の確認": 1,
        "フォローアップ": 1,
        "フォローアップの記録": 1,
        "問い合わせ": 1,
        "取組情報": 1,
        "対象システム": 1,
    }
    for title in SHEETS[1:]:
        assert len(rows(book, title)) == toc[title], title
    made = {row[0]: row[1] for row in rows(book, "目次")}
    assert "札幌市" in book["目次"]["A1"].value
    assert made["作成者"] == "札幌 アリス"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d", made["作成日時"])


def test_every_sheet_freezes_its_header_and_prints_a4_landscape(book):
    for title in SHEETS:
        sheet = book[title]
        assert sheet.freeze_panes == "A3", title
        assert sheet.page_setup.orientation == "landscape", title
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4, title
        assert sheet.print_title_rows == "$2:$2", title
        assert sheet["A2"].font.bold, title
        assert all(
            sheet.column_dimensions[letter].width >= 8 for letter in "ABC"[: sheet.max_column]
        )


def test_plan_sheet_has_every_field_with_dates_as_people_write_them(book):
    plan = {row["タスク"]: row for row in by_header(book, "計画")}
    row = plan["住民への広報活動"]
    assert row["作業項目"] == "A. 計画・準備"
    assert row["計画開始"] == dt.datetime(2015, 4, 1)
    assert row["実績終了"] == dt.datetime(2015, 7, 9)
    assert row["状況"] == "完了"
    assert row["進捗率（%）"] == 100
    assert row["版"] == 3
    assert row["更新者"] == "札幌 アリス"
    assert row["更新日時"] == dt.datetime(2015, 8, 1, 19, 47)  # Tokyo time
    # Text that looks like a formula is kept as text, never run.
    assert row["備考"] == '=HYPERLINK("http://evil")'
    cell = next(c for c in book["計画"][3] if c.value == row["計画開始"])
    assert cell.number_format == "yyyy/mm/dd"
    assert plan["設計"]["対象システム"] == "個人住民税"


def test_history_says_who_changed_what_when_old_to_new(book):
    history = by_header(book, "計画の履歴")
    status = [r for r in history if r["項目"] == "状況"]
    assert [(r["変更前"], r["変更後"], r["変更者"], r["版"]) for r in status] == [
        ("未着手", "完了", "札幌 アリス", 3)
    ]
    planned = [r for r in history if r["項目"] == "計画開始"]
    assert planned[0]["変更前"] is None and planned[0]["変更後"] == dt.datetime(2015, 4, 1)
    assert {r["項目"] for r in history if r["タスク"] == "住民への広報活動"} >= {
        "（作成）",
        "計画終了",
        "実績開始",
        "完了時の入力項目",
        "備考",
    }
    answers = next(r for r in history if r["項目"] == "完了時の入力項目")
    assert answers["変更後"] == "広報の実施日: 2015/07/09、説明会を開いたか: はい"


def test_completion_answers_typed(book):
    answers = {row["項目"]: row["回答"] for row in by_header(book, "完了時の入力項目")}
    assert answers == {"広報の実施日": dt.datetime(2015, 7, 9), "説明会を開いたか": "はい"}


def test_advice_checks_follow_ups_inquiries_efforts_and_systems(book):
    (advice,) = by_header(book, "助言")
    assert advice["助言"] == "説明会の資料を共有します。"
    assert advice["助言した団体"] == "北海道" and advice["助言者"] == "北海 管理"
    (check,) = by_header(book, "計画の確認")
    assert check["確認の状態"] == "確認済み"
    assert check["総括のコメント"] == "確認済み"
    assert check["府省庁"] == "厚生労働省 社会保障担当参事官室"
    assert check["計画の妥当性"] == "要修正"
    assert check["府省庁のコメント"] == "テストの期間を延ばしてください。"
    (follow_up,) = by_header(book, "フォローアップ")
    assert follow_up["原因"] == "ベンダー" and follow_up["状態"] == "回答あり"
    assert follow_up["対応期限"] == dt.datetime(2015, 9, 30)
    assert follow_up["作業項目"] == "（団体全体）"
    (note,) = by_header(book, "フォローアップの記録")
    assert note["フォローアップ番号"] == follow_up["番号"]
    assert note["内容"] == "9月中に再調整します。" and note["記入者"] == "札幌 アリス"
    (inquiry,) = by_header(book, "問い合わせ")
    assert inquiry["件名"] == "中間サーバーの接続"
    assert inquiry["回答"] == "10月に実施します。" and inquiry["状態"] == "回答済"
    assert inquiry["質問者"] == "札幌 アリス"
    (effort,) = by_header(book, "取組情報")
    assert effort["資料名"] == "広報の工夫" and effort["ファイル名"] == "説明会.pdf"
    assert effort["状態"] == "公開中"
    (system,) = by_header(book, "対象システム")
    assert system["システム名"] == "個人住民税"


def test_the_plan_page_and_top_link_to_it(client, filled, alice):
    client.force_login(alice)
    assert "/orgs/011002/export.xlsx" in client.get("/orgs/011002/plan/").content.decode()
    top = client.get("/").content.decode()
    assert "/orgs/011002/export.xlsx" in top and "自団体のデータを一括ダウンロード" in top


# --- Who may download -------------------------------------------------------------------------


def test_other_prefectures_staff_get_404_recorded(client, filled, aomori_staff):
    client.force_login(aomori_staff)
    response = client.get("/orgs/011002/export.xlsx")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.ACCESS_DENIED, actor=aomori_staff, detail__contains="export.xlsx"
    ).exists()


def test_anonymous_is_sent_to_login(client, filled):
    response = client.get("/orgs/011002/export.xlsx")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_prefecture_admin_downloads_its_municipalitys_but_not_hidden_efforts(
    client, filled, alice, pref_admin, editor
):
    from documents import services as document_services
    from documents.models import Document

    effort = Document.objects.get(title="広報の工夫")
    document_services.hide(effort, actor=editor, reason="個人情報を含むため")
    book = load_workbook(io.BytesIO(download(client, pref_admin).content))
    assert len(rows(book, "計画")) == 2
    assert rows(book, "取組情報") == []  # hidden from everyone but its publisher
    own = load_workbook(io.BytesIO(download(client, alice).content))
    assert by_header(own, "取組情報")[0]["非表示の理由"] == "個人情報を含むため"


def test_staff_of_a_neighbour_in_the_same_prefecture_get_404(client, filled, hakodate):
    client.force_login(UserFactory(organization=hakodate))
    assert client.get("/orgs/011002/export.xlsx").status_code == 404


# --- Fixed query count --------------------------------------------------------------------


def _grow(organization, user, coordinator, programme, count: int) -> None:
    """``count`` entries saved (with history), notes, advice and inquiries."""
    from faq import inquiries as faq_inquiries

    publishing.ensure_entries(organization, programme)
    for entry in PlanEntry.objects.filter(organization=organization):
        save(user, entry, planned_start=dt.date(2015, 4, 1), remarks="計画を入力")
    follow_up = workflow.open_follow_up(
        coordinator, organization, programme, cause="staff", actions="体制", due_on=ON
    )
    for n in range(count):
        workflow.add_note(user, follow_up, f"記録{n}", organization_side=True)
        plan_services.add_advice(coordinator, organization, programme, f"助言{n}")
        faq_inquiries.submit_inquiry(asker=user, subject=f"質問{n}", body="本文")


@pytest.mark.parametrize("count", [2, 50])
def test_query_count_does_not_grow_with_rows(
    client, sapporo, alice, coordinator, count, django_assert_num_queries
):
    with time_machine.travel(NOW, tick=False):
        _grow(sapporo, alice, coordinator, programme_with(tasks=count), count)
    assert PlanEntry.objects.filter(organization=sapporo).count() == count
    client.force_login(alice)
    client.get("/orgs/011002/export.xlsx")  # warm caches (content types, session)
    # session, user, organisation; entries, completion labels, history, advice, plan checks,
    # ministry reviews, follow-ups, notes, inquiries, efforts, systems
    with django_assert_num_queries(14):
        response = client.get("/orgs/011002/export.xlsx")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(rows(book, "計画")) == count
    assert len(rows(book, "フォローアップの記録")) == count


# --- Another spreadsheet program: LibreOffice --------------------------------------------


def soffice(source, target: str, folder) -> bytes:
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if not program:
        pytest.fail("LibreOffice is missing: apt-get install libreoffice-calc")
    profile = folder / "profile"  # its own profile: parallel runs do not share a lock
    command = [program, f"-env:UserInstallation=file://{profile}", "--headless"]
    out = folder / target
    out.mkdir(exist_ok=True)
    command += ["--convert-to", target, "--outdir", str(out), str(source)]
    env = {**os.environ, "HOME": str(folder)}
    subprocess.run(command, check=True, capture_output=True, timeout=180, env=env)
    return (out / f"{source.stem}.{target}").read_bytes()


def test_libreoffice_prints_it_and_keeps_the_data_on_a_resave(client, filled, alice, tmp_path):
    from pypdf import PdfReader

    original = download(client, alice).content
    source = tmp_path / "own.xlsx"
    source.write_bytes(original)
    pdf = PdfReader(io.BytesIO(soffice(source, "pdf", tmp_path)))
    for page in pdf.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "住民への広報活動" in text and "2015/07/09" in text
    resaved = load_workbook(io.BytesIO(soffice(source, "xlsx", tmp_path)))
    before = load_workbook(io.BytesIO(original))
    assert resaved.sheetnames == SHEETS
    for title in SHEETS[1:]:
        assert rows(resaved, title) == rows(before, title), title
    # The print setup survives too (headless LibreOffice has no window, so it keeps no
    # frozen panes: those are checked on the portal's own file above).
    assert resaved["計画"].print_title_rows == "$2:$2"
    assert resaved["計画"].page_setup.orientation == "landscape"


def test_a_reviewer_gets_the_follow_ups_of_its_own_work_items_only(
    client, filled, alice, coordinator, reviewer
):
    """Rows go through the door too: a ministry reviewer reads follow-ups on the work items
    its bureau is responsible for (none here) and general ones, not another bureau's."""
    from actionplan.models import WorkItem

    design = WorkItem.objects.get(programme=filled, code="G")
    with time_machine.travel(NOW, tick=False):
        workflow.open_follow_up(
            coordinator,
            alice.organization,
            filled,
            cause="system",
            actions="設計の遅れ",
            due_on=dt.date(2015, 10, 30),
            work_item=design,
        )
    own = load_workbook(io.BytesIO(download(client, alice).content))
    assert {row["作業項目"] for row in by_header(own, "フォローアップ")} == {
        "（団体全体）",
        "G. 既存業務システム改修",
    }
    theirs = load_workbook(io.BytesIO(download(client, reviewer).content))
    assert [row["作業項目"] for row in by_header(theirs, "フォローアップ")] == ["（団体全体）"]
    assert len(rows(theirs, "計画")) == 2  # the plan itself: whoever may view the organisation


def test_in_english_the_sheets_headers_and_contents_are_english(client, filled, alice, settings):
    """Nothing reads this workbook back, so all its wording follows the reader's language;
    the data (names, labels people typed) stays as it was written (issue 14)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = download(client, alice)
    assert "all_data" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:4] == ["Contents", "Plan", "Completion item", "Plan history"]
    japanese = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
    for title in book.sheetnames:
        assert not japanese.search(title)
        assert not [name for name in header(book, title) if japanese.search(str(name))], title
    contents = rows(book, "Contents")
    assert contents[0][:2] == ("Plan", "Plan and actuals by task (every field)")
    assert ("All times are Japan time.", None, None) in contents
    assert not [row[1] for row in contents[:10] if japanese.search(row[1])]
