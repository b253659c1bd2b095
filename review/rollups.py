"""The national figures: read from the rollup tables (kept current by :mod:`review.judging`),
and the same figures computed by a full scan, which tests and the bench compare them with.

Completion rate = (完了 + 対象外) ÷ applicable entries; the effort-weighted rate is the same
with each entry counted by its task's weight: Σ weight(完了 + 対象外) ÷ Σ weight(all).

Three units, never mixed (the pages and the report say which each figure is in):
団体 (organisations), 計画の行 (entries: one organisation × task, × target system for G) and
判定 (flags: one delay rule holding for one entry; an entry may carry several, so flags can
outnumber entries — 札幌市's 30 entries carried 33 要フォローアップ flags).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from django.db.models import Q, Sum
from django.utils.translation import gettext, gettext_noop

from actionplan.models import Programme, Status
from review.models import RuleRollup, StatusRollup

FINISHED = (Status.DONE, Status.NOT_APPLICABLE)
# Marked, not translated: the report and the templates translate them where they are shown.
FORMULA = gettext_noop("（完了 + 対象外）÷ 対象の計画の行")
WEIGHTED_FORMULA = gettext_noop(
    "Σ 工数の重み（完了 + 対象外）÷ Σ 工数の重み（対象の計画の行すべて）"
)


def stored_cells(programme: Programme) -> tuple[dict, dict]:
    """The rollup tables as {(work item, prefecture, status): (entries, weight)} and
    {(work item, prefecture, rule): (flags, significant, approved)}, zero cells left out."""
    status = {
        (w, p, s): (n, Decimal(weight))
        for w, p, s, n, weight in StatusRollup.objects.filter(programme=programme)
        .exclude(entries=0)
        .values_list("work_item_id", "prefecture_id", "status", "entries", "weight")
    }
    rules = {
        (w, p, r): (n, sig, appr)
        for w, p, r, n, sig, appr in RuleRollup.objects.filter(programme=programme)
        .exclude(flags=0)
        .values_list("work_item_id", "prefecture_id", "rule", "flags", "significant", "approved")
    }
    return status, rules


# What a line is of: a work item's or a prefecture's id, or None on the total (全国, 合計) and on
# an open-data cell (which its work item × prefecture keys from outside).
Key = TypeVar("Key", int, None)


@dataclass
class Line(Generic[Key]):
    """One row of the national status: a work item or a prefecture (``Line[int]``, ``key``
    its id) or the total (``Line[None]``)."""

    key: Key
    label: str
    entries: int = 0
    finished: int = 0
    weight: Decimal = Decimal(0)
    finished_weight: Decimal = Decimal(0)
    by_status: dict[str, int] = field(default_factory=dict)
    by_rule: dict[str, int] = field(default_factory=dict)
    significant: int = 0
    approved: int = 0
    # 団体 with an open 要フォローアップ flag (set where the page counts them), not flags.
    significant_organizations: int | None = None

    @property
    def rate(self) -> float | None:
        return round(self.finished * 100 / self.entries, 1) if self.entries else None

    @property
    def weighted_rate(self) -> float | None:
        if not self.weight:
            return None
        return round(float(self.finished_weight * 100 / self.weight), 1)

    @property
    def late(self) -> int:
        """Open flags (判定), not entries: one entry may carry several rules."""
        return sum(self.by_rule.values())


def summarize(
    programme: Programme,
    by: str,
    labels: dict[int, str],
    *,
    prefecture_id: int | None = None,
    work_item_ids: list[int] | None = None,
) -> tuple[list[Line[int]], Line[None]]:
    """Lines per ``by`` ("work_item" or "prefecture") from the rollup, in two queries."""
    scope = Q(programme=programme)
    if prefecture_id is not None:
        scope &= Q(prefecture_id=prefecture_id)
    if work_item_ids is not None:
        scope &= Q(work_item_id__in=work_item_ids)
    field_name = f"{by}_id"
    lines: dict[int, Line[int]] = {key: Line(key, label) for key, label in labels.items()}
    total: Line[None] = Line(None, gettext("全国") if prefecture_id is None else gettext("合計"))
    for key, status, n, weight in (
        StatusRollup.objects.filter(scope)
        .values_list(field_name, "status")
        .annotate(n=Sum("entries"), w=Sum("weight"))
        .values_list(field_name, "status", "n", "w")
    ):
        for line in (lines.get(key), total):
            if line is None:
                continue
            line.entries += n
            line.weight += weight or 0
            line.by_status[status] = line.by_status.get(status, 0) + n
            if status in FINISHED:
                line.finished += n
                line.finished_weight += weight or 0
    for key, rule, n, significant, approved in (
        RuleRollup.objects.filter(scope)
        .values_list(field_name, "rule")
        .annotate(n=Sum("flags"), s=Sum("significant"), a=Sum("approved"))
        .values_list(field_name, "rule", "n", "s", "a")
    ):
        for line in (lines.get(key), total):
            if line is None:
                continue
            line.by_rule[rule] = line.by_rule.get(rule, 0) + n
            line.significant += significant
            line.approved += approved
    return list(lines.values()), total
