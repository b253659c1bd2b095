"""Demo content: announcements (the 厚生労働省 one of 2015/07/02 among them), small generated
PDF files for the seeded documents, a prefectures-only document and a 札幌市 取組情報.

Loaded by ``manage.py load_demo`` after the demo accounts; idempotent.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from documents import samplefiles, seed, services
from documents.models import Announcement, Audience, Category, Document, Kind, PortalPage, Status
from orgs.models import Organization

TOKYO = ZoneInfo("Asia/Tokyo")
ANNOUNCEMENTS = (
    (
        "厚生労働省より",
        "地方公共団体（社会保障各分野）における番号制度の導入について（ご担当者向けポータルページ）",
        date(2015, 7, 2),
        True,
    ),
    (
        "内閣官房より",
        "FAQ を更新しました（平成27年7月現在 390件以上を掲載）",
        date(2015, 7, 9),
        False,
    ),
    (
        "総務省より",
        "推奨アクションプラン（実行編）の計画情報の入力をお願いします",
        date(2015, 3, 2),
        False,
    ),
)
# Seeded document key → the Japanese file name of its demo file.
FILE_NAMES = {
    "overview": "地方公共団体（社会保障分野）における番号制度導入に向けた対応について.pdf",
    "ordinances": "主務省令事項の整理（別表第1・第2）.pdf",
    "layout": "特定個人情報データ標準レイアウト（事務手続対応版）.pdf",
    "forms": "厚生労働省関係省令の整備に関する省令（案）.pdf",
    "flows": "業務フローサンプル.pdf",
    "pension": "年金関係事務の概要（案）.pdf",
    "welfare": "生活保護分野における番号制度の導入について.pdf",
}


def _pdf(name: str, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samplefiles.minimal_pdf(title), "application/pdf")


def _announcements() -> int:
    page = PortalPage.objects.filter(slug=seed.PORTAL_SLUG).first()
    for source, title, day, links_page in ANNOUNCEMENTS:
        Announcement.objects.get_or_create(
            source=source,
            title=title,
            defaults={"date": day, "page": page if links_page else None},
        )
    return len(ANNOUNCEMENTS)


def _files(editor: User) -> int:
    added = 0
    titles = {row[0]: row[1] for row in seed.DOCUMENTS}
    for key, name in FILE_NAMES.items():
        document = Document.objects.filter(title=titles[key]).first()
        if document and not document.files.exists():
            services.add_version(document, _pdf(name, f"Digital PMO demo {key}"), actor=editor)
            added += 1
    return added


def _extra_documents(editor: User, sapporo_staff: User) -> None:
    mic = Organization.objects.get(code="mic-jumin")
    title = "都道府県向け 管下市区町村への支援の手引き（案）"
    if not Document.objects.filter(title=title).exists():
        services.create_document(
            actor=editor,
            upload=_pdf("市区町村支援の手引き（案）.pdf", "Support guide for prefectures"),
            action="publish",
            title=title,
            purpose="管下市区町村の準備状況の把握、助言等の支援の進め方\n研修会の開催に利用する。",
            publisher=mic,
            audience=Audience.PREFECTURES,
            category=Category.objects.get(name=seed.COMMON, parent=None),
            tags=["都道府県", "支援"],
        )
        Document.objects.filter(title=title).update(
            published_at=datetime(2015, 6, 15, 10, tzinfo=TOKYO)
        )
    effort = "札幌市における番号制度導入の取組（庁内研修資料）"
    if not Document.objects.filter(title=effort, kind=Kind.EFFORT).exists():
        services.share_effort(
            actor=sapporo_staff,
            title=effort,
            purpose="番号取扱事務に携わる職員向けの研修資料です。他団体でもご活用ください。",
            upload=_pdf("札幌市 番号制度 庁内研修資料.pdf", "Sapporo training"),
        )


@transaction.atomic
def load() -> str:
    seed.load()  # the demo builds on the shipped content
    editor = User.objects.get(email="editor@demo.example")
    sapporo = User.objects.get(email="sapporo@demo.example")
    announcements = _announcements()
    files = _files(editor)
    _extra_documents(editor, sapporo)
    published = Document.objects.filter(status=Status.PUBLISHED).count()
    return f"{announcements} announcements, {files} demo files, {published} published documents"
