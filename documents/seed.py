"""The real starting content: categories, the seed's 共通資料 and bureau materials, the social
security portal page, and the first rows of the procedures catalogue (生活保護).

Run by ``manage.py load_reference_data``; idempotent (rows are matched by natural keys and an
editor's later changes are kept). Files are not shipped: editors upload them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from documents import services
from documents.models import (
    Audience,
    Category,
    ClassesMixin,
    Document,
    Linkage,
    PortalLink,
    PortalPage,
    PortalSection,
    Procedure,
    ProcedureField,
    Status,
)
from orgs.models import Organization

TOKYO = ZoneInfo("Asia/Tokyo")
COMMON = "共通資料"
BUREAUS = "各制度所管部局からの提示資料"
LAYOUTS = "データ標準レイアウト"
PENSION = "国民年金分野"
WELFARE = "生活保護分野"
PORTAL_SLUG = "social-security"

# (key, title, purpose, publisher code, category, published on)
DOCUMENTS = (
    (
        "overview",
        "地方公共団体（社会保障分野）における社会保障・税番号制度の導入に向けた対応について",
        "まず初めに読んでいただきたい概要資料",
        "mhlw",
        COMMON,
        "2015-07-02",
    ),
    (
        "ordinances",
        "番号法別表第1及び第2に規定される主務省令事項の整理について",
        "個人番号を利用する具体的な事務・手続や情報連携を行う具体的な事務・手続を網羅的に"
        "表したもの。\n番号を利用する事務の洗い出し、情報連携する項目の把握に使用する。",
        "mhlw",
        COMMON,
        "2015-07-02",
    ),
    (
        "layout",
        "特定個人情報データ標準レイアウト",
        "特定個人情報毎に情報提供者、データ定義及び当該特定個人情報を使用する事務手続の対応を"
        "整理したもの。\n情報連携する特定個人情報の詳細な内容の把握、業務システム改修の要件として"
        "利用する。",
        "mhlw",
        LAYOUTS,
        "2015-07-02",
    ),
    (
        "forms",
        "番号制度施行に伴う厚生労働省関係省令の整備に関する省令（案）",
        "厚生労働省令に規定された各種様式の改正案\n新様式の作成、業務システム改修の要件として"
        "利用する。",
        "mhlw",
        COMMON,
        "2015-07-02",
    ),
    (
        "flows",
        "業務フローサンプルファイル",
        "代表的な事務における個人番号利用後の業務フロー例\n番号制度導入後の事務の流れを把握する"
        "ために利用する。",
        "mhlw",
        COMMON,
        "2015-07-02",
    ),
    (
        "pension",
        "番号制度の導入に伴う市町村における年金関係事務の概要（案）等について",
        "平成26年10月15日付 地方厚生（支）局年金調整（年金管理）課長宛事務連絡",
        "mhlw-pension",
        PENSION,
        "2014-10-15",
    ),
    (
        "welfare",
        "生活保護分野における番号制度の導入について",
        "平成27年7月1日 各都道府県・指定都市・中核市生活保護担当課宛事務連絡",
        "mhlw-welfare",
        WELFARE,
        "2015-07-01",
    ),
)

PORTAL_INTRO = (
    "社会保障・税番号制度の導入に向け、平素より御協力をいただきありがとうございます。"
    "社会保障各分野における番号制度導入に向けた準備作業について、必要な資料を以下のとおり"
    "まとめましたので、ご活用ください。なお、本ページは新しい資料が提供される都度更新して"
    "いきます。"
)
# (heading, [(document key, group)])
PORTAL_SECTIONS = (
    (
        "1. 共通資料（リンク一覧）",
        [("overview", ""), ("ordinances", ""), ("layout", ""), ("forms", ""), ("flows", "")],
    ),
    ("2. 各制度所管部局からの提示資料", [("pension", PENSION), ("welfare", WELFARE)]),
)

FIELDS = ("生活保護", "国民年金")
WELFARE_PROCEDURE = {
    "number": "15",
    "field": "生活保護",
    "name": "生活保護の申請の受理、審査、保護の決定",
    "body": "都道府県知事等（都道府県知事、市長及び福祉事務所を管理する町村長）",
    "usage": "生活保護の申請書にマイナンバーの記載欄を追加し、申請を受ける際に、対象者の"
    "マイナンバーを取得し、管理",
}
# 別表第2: 保護の決定を行う際の必要な調査として情報提供NWSで取得する情報 (the seed's example).
WELFARE_LINKAGES = (
    ("市町村長（転入前市町村）", "地方税関係情報"),
    ("日本年金機構", "年金給付関係情報"),
    ("厚生労働大臣（公共職業安定所）", "雇用保険給付関係情報"),
)
WELFARE_LINKAGE_NUMBER = "26"
WELFARE_LINKAGE_PROCEDURE = "生活保護の保護の決定及び実施（保護の決定を行う際の必要な調査）"


def _categories() -> dict[str, Category]:
    common, _ = Category.objects.get_or_create(name=COMMON, parent=None, defaults={"order": 1})
    bureaus, _ = Category.objects.get_or_create(name=BUREAUS, parent=None, defaults={"order": 2})
    return {
        COMMON: common,
        BUREAUS: bureaus,
        LAYOUTS: Category.objects.get_or_create(name=LAYOUTS, parent=common, defaults={"order": 1})[
            0
        ],
        PENSION: Category.objects.get_or_create(
            name=PENSION, parent=bureaus, defaults={"order": 1}
        )[0],
        WELFARE: Category.objects.get_or_create(
            name=WELFARE, parent=bureaus, defaults={"order": 2}
        )[0],
    }


def _documents(categories: dict[str, Category]) -> tuple[dict[str, Document], int]:
    publishers = Organization.objects.in_bulk({row[3] for row in DOCUMENTS}, field_name="code")
    documents, created = {}, 0
    for key, title, purpose, code, category, day in DOCUMENTS:
        if code not in publishers:
            raise LookupError(f"organisation {code} is not loaded; run load_organizations")
        published = datetime.fromisoformat(day).replace(hour=10, tzinfo=TOKYO)
        document, is_new = Document.objects.get_or_create(
            title=title,
            publisher=publishers[code],
            defaults={
                "purpose": purpose,
                "category": categories[category],
                "audience": Audience.EVERYONE,
                "status": Status.PUBLISHED,
                "published_at": published,
            },
        )
        if is_new:
            services.refresh_search_text(document)
            created += 1
        documents[key] = document
    return documents, created


def _portal(documents: dict[str, Document]) -> None:
    page, created = PortalPage.objects.get_or_create(
        slug=PORTAL_SLUG,
        defaults={
            "title": "地方公共団体（社会保障各分野）における番号制度の導入について"
            "（ご担当者向けポータルページ）",
            "intro": PORTAL_INTRO,
            "is_published": True,
        },
    )
    if not created:
        return  # the editors own the page once it exists
    for order, (heading, links) in enumerate(PORTAL_SECTIONS, start=1):
        section = PortalSection.objects.create(page=page, heading=heading, order=order)
        for link_order, (key, group) in enumerate(links, start=1):
            PortalLink.objects.create(
                section=section, document=documents[key], group=group, order=link_order
            )


def _catalogue(documents: dict[str, Document]) -> int:
    fields = {
        name: ProcedureField.objects.get_or_create(name=name, defaults={"order": order})[0]
        for order, name in enumerate(FIELDS, start=1)
    }
    row = dict(WELFARE_PROCEDURE)
    procedure, _ = Procedure.objects.get_or_create(
        number=row.pop("number"), defaults=row | {"field": fields[row["field"]]}
    )
    procedure.documents.add(documents["welfare"], documents["ordinances"], documents["layout"])
    for provider, information in WELFARE_LINKAGES:
        linkage, _ = Linkage.objects.get_or_create(
            number=WELFARE_LINKAGE_NUMBER,
            inquirer="都道府県知事等",
            provider=provider,
            information=information,
            defaults={
                "field": fields["生活保護"],
                "procedure_name": WELFARE_LINKAGE_PROCEDURE,
                "municipality_classes": ClassesMixin.encode_classes([]),
            },
        )
        linkage.documents.add(documents["welfare"], documents["layout"])
    services.refresh_catalogue_readings()
    return 1 + len(WELFARE_LINKAGES)


@transaction.atomic
def load() -> str:
    categories = _categories()
    documents, created = _documents(categories)
    _portal(documents)
    rows = _catalogue(documents)
    return (
        f"{len(categories)} categories, {len(documents)} documents ({created} new), "
        f"portal page '{PORTAL_SLUG}', {rows} procedure rows"
    )
