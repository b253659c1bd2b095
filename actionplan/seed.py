"""The seed programme 番号制度導入 (推奨アクションプラン 実行編), work items A–K.

対応事項 and 特記事項 are read verbatim from ``data/work_items.tsv``, the A–K table copied
unchanged from the seed document. Milestones follow the national
schedule: numbers notified from 2015/10, use from 2016/01, the 総合運用テスト in two waves
(prefectures and designated cities by 2016/12, everyone else by 2017/06), information linkage
from 2017/07. ``load()`` is idempotent (``manage.py load_reference_data``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from actionplan.models import Programme, TargetSystem

D = dt.date
MUNICIPALITY = "municipality"
PREFECTURE = "prefecture"

NAME = "番号制度導入"
DATA = Path(__file__).resolve().parent / "data"

SHARED_SYSTEMS = (
    "住民基本台帳",
    "個人住民税",
    "法人住民税",
    "固定資産税",
    "軽自動車税",
    "国民健康保険",
    "国民年金",
    "介護保険",
    "後期高齢者医療",
    "生活保護",
    "児童手当",
    "障害者福祉",
    "母子保健",
    "予防接種",
)


def _task(name: str, due: dt.date, **extra: Any) -> dict[str, Any]:
    milestones = [{"due_on": due}, *extra.pop("milestones", [])]
    return {"name": name, "milestones": milestones, **extra}


DEFINITION: dict[str, Any] = {
    "name": NAME,
    "starts_on": D(2015, 1, 1),
    "ends_on": D(2017, 12, 31),
    "plan_deadline": D(2015, 4, 30),
    "significant_delay_days": 30,
    "work_items": [
        {
            "code": "A",
            "name": "計画・準備",
            "bureaus": ["cas-number", "mic-jumin"],
            "tasks": [
                _task("住民への広報活動", D(2015, 9, 30), weight=1),
                _task(
                    "相談窓口の設置",
                    D(2015, 9, 30),
                    completion_items=[
                        {"label": "窓口の設置日", "kind": "date", "required": True},
                        {"label": "窓口の数", "kind": "number", "required": False},
                    ],
                ),
            ],
        },
        {
            "code": "B",
            "name": "既存住基システム改修",
            "applies_to": [MUNICIPALITY],
            "bureaus": ["mic-jumin"],
            "tasks": [
                _task(
                    "住民票記載事項の追加",
                    D(2015, 9, 30),
                    weight=3,
                    completion_items=[
                        {"label": "本番環境での動作確認", "kind": "yes_no", "required": True},
                        {
                            "label": "改修の方法",
                            "kind": "single",
                            "required": False,
                            "choices": ["パッケージの更新", "個別改修", "システム更改"],
                        },
                    ],
                ),
                _task("住基ネットとの連携", D(2015, 9, 30), weight=2),
                _task("中間サーバーとの連携", D(2016, 12, 31), weight=2),
            ],
        },
        {
            "code": "C",
            "name": "団体内統合宛名システム等整備",
            "bureaus": ["mic-jumin"],
            "tasks": [
                _task("システム構築", D(2016, 6, 30), weight=3),
                _task("宛名情報のデータクレンジング", D(2016, 9, 30), weight=2),
            ],
        },
        {
            "code": "D",
            "name": "中間サーバー導入",
            "bureaus": ["mic-jumin"],
            "tasks": [
                _task("利用形態の確認", D(2015, 6, 30), needs_procurement=False),
                _task(
                    "予算措置",
                    D(2015, 12, 31),
                    needs_procurement=False,
                    completion_items=[
                        {"label": "予算額（千円）", "kind": "number", "required": True},
                    ],
                ),
            ],
        },
        {
            "code": "E",
            "name": "番号利用事務移行",
            "bureaus": ["mhlw-social-security", "mic-local-tax"],
            "tasks": [
                _task("業務定義", D(2015, 9, 30)),
                _task("業務マニュアル策定", D(2015, 11, 30)),
                _task(
                    "研修実施",
                    D(2015, 12, 25),
                    completion_items=[
                        {"label": "研修の実施日", "kind": "date", "required": True},
                        {"label": "受講者数", "kind": "number", "required": True},
                    ],
                ),
            ],
        },
        {
            "code": "F",
            "name": "情報連携対応",
            "bureaus": ["mic-jumin", "mhlw-social-security"],
            "tasks": [
                _task(
                    "中間サーバーとの連携テスト",
                    D(2016, 12, 31),
                    weight=2,
                    depends_on=["B:中間サーバーとの連携", "G:テスト"],
                    milestones=[{"due_on": D(2016, 9, 30), "kind": PREFECTURE}],
                ),
            ],
        },
        {
            "code": "G",
            "name": "既存業務システム改修",
            "bureaus": ["mhlw-social-security", "mhlw-pension", "mhlw-welfare", "mic-local-tax"],
            "tasks": [
                _task("設計", D(2015, 6, 30), per_system=True, weight=2),
                _task("製造", D(2015, 10, 30), per_system=True, weight=3, depends_on=["G:設計"]),
                _task("テスト", D(2015, 12, 28), per_system=True, weight=2, depends_on=["G:製造"]),
            ],
        },
        {
            "code": "H",
            "name": "安全管理措置",
            "bureaus": ["cas-number"],
            "tasks": [
                _task(
                    "安全管理措置の実施",
                    D(2015, 12, 28),
                    completion_items=[
                        {"label": "取扱規程の策定", "kind": "yes_no", "required": True},
                    ],
                ),
            ],
        },
        {
            "code": "I",
            "name": "特定個人情報保護評価",
            "bureaus": ["cas-number"],
            "tasks": [
                _task(
                    "評価の実施",
                    D(2015, 9, 30),
                    completion_items=[
                        {"label": "評価書の公表日", "kind": "date", "required": True},
                        {
                            "label": "実施した評価",
                            "kind": "single",
                            "required": True,
                            "choices": ["基礎項目評価", "重点項目評価", "全項目評価"],
                        },
                    ],
                ),
            ],
        },
        {
            "code": "J",
            "name": "条例制定・改正",
            "bureaus": ["mic-jumin"],
            "tasks": [
                _task("議会提案", D(2015, 9, 30)),
                _task("施行", D(2016, 1, 1)),
            ],
        },
        {
            "code": "K",
            "name": "総合運用テスト",
            "bureaus": ["mic-jumin", "cas-number"],
            "tasks": [
                _task(
                    "テストシナリオの実施",
                    D(2017, 6, 30),
                    weight=2,
                    depends_on=["F:中間サーバーとの連携テスト"],
                    milestones=[
                        {"due_on": D(2016, 12, 28), "kind": PREFECTURE},
                        {"due_on": D(2016, 12, 28), "kind": MUNICIPALITY, "class": "designated"},
                    ],
                ),
            ],
        },
    ],
}


def seed_texts() -> dict[str, tuple[str, str, str]]:
    """``{code: (name, 対応事項, 特記事項)}`` exactly as the seed document's A–K table has them."""
    texts = {}
    lines = (DATA / "work_items.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        title, response, notes = ([*line.split("\t"), "", ""])[:3]
        code, name = title.split(". ", 1)
        texts[code] = (name, response, notes)
    return texts


def definition() -> dict[str, Any]:
    """The seed programme with its texts from the seed document."""
    texts = seed_texts()
    work_items = []
    for item in DEFINITION["work_items"]:
        name, response, notes = texts[item["code"]]
        work_items.append({**item, "name": name, "response": response, "notes": notes})
    return {**DEFINITION, "work_items": work_items}


def load() -> str:
    from actionplan import services

    for order, name in enumerate(SHARED_SYSTEMS, start=1):
        TargetSystem.objects.update_or_create(
            name=name, organization=None, defaults={"order": order}
        )
    programme = services.load_programme(definition())
    tasks = sum(len(item["tasks"]) for item in DEFINITION["work_items"])
    return (
        f"programme {programme.name}: {len(DEFINITION['work_items'])} work items, "
        f"{tasks} tasks, {len(SHARED_SYSTEMS)} shared systems"
    )


def publish() -> str:
    """Publish the seed programme (``load_reference_data``, after :func:`load`): every local
    government gets its entries, so all 1,788 are judged and counted from the start."""
    from actionplan import publishing

    programme = Programme.objects.get(name=NAME)
    created = publishing.publish(programme)
    return f"programme {programme.name} published: {created} new plan entries"
