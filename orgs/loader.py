"""Load the organisations the product ships: ministries and the 1,788 local governments.

Every row is checked before anything is written, and the whole load is one transaction, so a
bad row stops the load with its row number and leaves the table as it was. Loading twice
gives the same rows: records are matched by code and only changed fields are written.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from orgs import jis
from orgs.models import MunicipalityClass, Organization, OrganizationKind
from orgs.signals import organizations_added

DATA_DIR = Path(__file__).resolve().parent / "data"
LOCAL_GOVERNMENTS_CSV = DATA_DIR / "jisx0402.csv"
CITY_CLASSES_CSV = DATA_DIR / "city_classes.csv"
MINISTRIES_CSV = DATA_DIR / "ministries.csv"
TOKYO = "13"
# A municipality's class from the last character of its name (data: compared with the names).
WARD_SUFFIX = "区"
CLASS_SUFFIXES = (
    ("市", MunicipalityClass.CITY),
    ("町", MunicipalityClass.TOWN),
    ("村", MunicipalityClass.VILLAGE),
)


class LoadError(ValueError):
    """A row of the organisation data is unusable; nothing has been written."""

    def __init__(self, path: Path, row: int, message: str) -> None:
        super().__init__(
            gettext("%(file)s %(row)s行目: %(message)s")
            % {"file": path.name, "row": row, "message": message}
        )
        self.row = row


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    def add(self, other: LoadResult) -> LoadResult:
        return LoadResult(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.codes + other.codes,
            self.created_ids + other.created_ids,
        )


def municipality_class(code: str, name: str, listed: dict[str, str]) -> str:
    """The class of a municipality from the listed cities and the suffix of its name."""
    if code in listed:
        return listed[code]
    if code.startswith(TOKYO) and name.endswith(WARD_SUFFIX):
        return MunicipalityClass.SPECIAL_WARD
    for suffix, klass in CLASS_SUFFIXES:
        if name.endswith(suffix):
            return klass
    raise ValueError(
        gettext("「%(name)s」の区分（市・町・村・特別区）が名称から判別できません") % {"name": name}
    )


def _kana(text: str) -> str:
    """The data has half-width katakana (ｻｯﾎﾟﾛｼ); store the full-width form people read."""
    return unicodedata.normalize("NFKC", text.strip())


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(number, row) for number, row in enumerate(csv.DictReader(handle), start=2)]


def _read_classes(path: Path) -> dict[str, str]:
    valid = set(MunicipalityClass.values)
    classes = {}
    for number, row in _read(path):
        if (message := jis.problem(row["code"])) or row["class"] not in valid:
            raise LoadError(
                path,
                number,
                message or gettext("区分「%(class)s」は不明です") % {"class": row["class"]},
            )
        classes[row["code"]] = row["class"]
    return classes


def parse_local_governments(path: Path, classes: dict[str, str]) -> list[dict[str, Any]]:
    """Validate every row and return the field values, prefectures first."""
    prefectures: list[dict[str, Any]] = []
    municipalities: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in _read(path):
        code = (row.get("code") or "").strip()
        if message := jis.problem(code):
            raise LoadError(path, number, message)
        if code in seen:
            raise LoadError(
                path, number, gettext("団体コード「%(code)s」が重複しています") % {"code": code}
            )
        seen.add(code)
        city = (row.get("city") or "").strip()
        if not row.get("prefecture", "").strip():
            raise LoadError(path, number, gettext("都道府県名が空です"))
        if not city:
            if code != jis.prefecture_code(code):
                message = gettext("都道府県の団体コード「%(code)s」が正しくありません")
                raise LoadError(path, number, message % {"code": code})
            prefectures.append(
                {
                    "code": code,
                    "kind": OrganizationKind.PREFECTURE,
                    "name": row["prefecture"].strip(),
                    "name_kana": _kana(row.get("prefecture_kana", "")),
                }
            )
            continue
        try:
            klass = municipality_class(code, city, classes)
        except ValueError as exc:
            raise LoadError(path, number, str(exc)) from None
        municipalities.append(
            {
                "code": code,
                "kind": OrganizationKind.MUNICIPALITY,
                "name": city,
                "name_kana": _kana(row.get("city_kana", "")),
                "municipality_class": klass,
                "prefecture_code": jis.prefecture_code(code),
                "row": number,
            }
        )
    known = {p["code"] for p in prefectures}
    for municipality in municipalities:
        if municipality["prefecture_code"] not in known:
            message = gettext("この団体の都道府県がデータにありません")
            raise LoadError(path, municipality["row"], message)
    return prefectures + municipalities


def _upsert(rows: list[dict], resolve: dict[str, str]) -> LoadResult:
    """Create or update rows by code; ``resolve`` maps a FK field to the row key holding a code."""
    codes = {r["code"] for r in rows} | {r[key] for r in rows for key in resolve.values() if r[key]}
    by_code = Organization.objects.in_bulk(codes, field_name="code")
    existing = {code: by_code[code] for code in {r["code"] for r in rows} & by_code.keys()}
    result = LoadResult()
    for row in rows:
        values = {k: v for k, v in row.items() if k not in {"row", *resolve.values()}}
        for fk, key in resolve.items():
            values[f"{fk}_id"] = by_code[row[key]].pk if row.get(key) else None
        org = existing.get(row["code"])
        if org is None:
            org = Organization.objects.create(**values)
            by_code[org.code] = org
            result.created += 1
            result.created_ids.append(org.pk)
        elif any(getattr(org, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(org, k, v)
            org.save()
            result.updated += 1
        else:
            result.unchanged += 1
        result.codes.append(org.code)
    return result


def load_ministries(path: Path = MINISTRIES_CSV) -> LoadResult:
    rows = []
    for number, row in _read(path):
        if not row.get("code") or not row.get("name"):
            raise LoadError(path, number, gettext("code と name は必須です"))
        rows.append(
            {
                "code": row["code"],
                "kind": OrganizationKind.MINISTRY,
                "name": row["name"],
                "name_kana": row.get("name_kana", ""),
                "parent_code": row.get("parent") or None,
            }
        )
    top = [r for r in rows if not r["parent_code"]]
    units = [r for r in rows if r["parent_code"]]
    return _upsert(top, {"parent": "parent_code"}).add(_upsert(units, {"parent": "parent_code"}))


@transaction.atomic
def load_all(
    local_governments: Path = LOCAL_GOVERNMENTS_CSV,
    city_classes: Path = CITY_CLASSES_CSV,
    ministries: Path = MINISTRIES_CSV,
) -> LoadResult:
    """Load ministries and local governments; all rows or none. New organisations are
    announced once (``organizations_added``): published programmes give them their entries."""
    rows = parse_local_governments(local_governments, _read_classes(city_classes))
    prefectures = [r for r in rows if r["kind"] == OrganizationKind.PREFECTURE]
    municipalities = [r for r in rows if r["kind"] == OrganizationKind.MUNICIPALITY]
    result = load_ministries(ministries)
    result = result.add(_upsert(prefectures, {}))
    result = result.add(_upsert(municipalities, {"prefecture": "prefecture_code"}))
    if result.created_ids:
        organizations_added.send(Organization, organization_ids=result.created_ids)
    return result
