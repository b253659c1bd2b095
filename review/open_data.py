"""The open data: the national figures as CSV, per work item × prefecture, with no
organisation-level data in it (public by design), cached until the figures change.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging

from django.core.cache import cache

from actionplan.models import Programme
from orgs.models import Organization
from pmo import xlsx
from review import orgrollups, rollups, rules
from review.figures import STATUS_ORDER, figures, labels_for
from review.selectors import Scope

logger = logging.getLogger(__name__)

CSV_HEADERS = (
    "基準日",
    "作業項目",
    "都道府県コード",
    "都道府県",
    "対象の計画（行）",
    "完了（行）",
    "対象外（行）",
    "実施中（行）",
    "未着手（行）",
    "完了率（%）",
    "工数加重完了率（%）",
    *(f"{rules.RULE_LABELS[r]}（件・判定ごと）" for r in rules.RULES),
    "要フォローアップ（件・判定ごと）",
    "承認済み（件・判定ごと）",
)


csv_text = xlsx.csv_safe  # the portal's one formula guard for CSV


def cached_open_data_csv(programme: Programme, on: dt.date) -> str:
    """The national CSV of ``on``, cached until the programme's figures change (the version
    bumped after each commit that moves a rollup cell, :func:`review.orgrollups.
    figures_version`); an hour at most, for a renamed work item or prefecture."""
    try:
        version = orgrollups.figures_version(programme.pk)
        key = f"review:open-data:{programme.pk}:{on:%Y%m%d}:{version}"
        text = cache.get(key)
    except Exception:  # the cache down: the figures are cheap enough to compute
        logger.warning("cache unreachable: national CSV computed", exc_info=True)
        return open_data_csv(programme, on, Scope())
    if text is None:
        text = open_data_csv(programme, on, Scope())
        with contextlib.suppress(Exception):
            cache.set(key, text, 3600)
    return text


def open_data_csv(programme: Programme, on: dt.date, scope: Scope) -> str:
    """National aggregates per work item × prefecture (no organisation-level data), from the
    rollup cells alone (three queries)."""
    figs = figures(programme, on, scope, with_late=False)
    work_item_labels, _ = labels_for(programme, scope)
    prefs = {pref.pk: pref for pref in Organization.objects.filter(kind="prefecture")}
    cells: dict[tuple[int, int], rollups.Line[None]] = {}
    for (w, p, s), (n, weight) in figs.status.items():
        line = cells.setdefault((w, p), rollups.Line(None, ""))
        line.entries += n
        line.weight += weight
        line.by_status[s] = line.by_status.get(s, 0) + n
        if s in rollups.FINISHED:
            line.finished += n
            line.finished_weight += weight
    for (w, p, r), (n, significant, approved) in figs.rule.items():
        line = cells.setdefault((w, p), rollups.Line(None, ""))
        line.by_rule[r] = line.by_rule.get(r, 0) + n
        line.significant += significant
        line.approved += approved
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    order = list(work_item_labels)
    for (w, p), line in sorted(
        cells.items(),
        key=lambda kv: (
            order.index(kv[0][0]) if kv[0][0] in order else 999,
            prefs[kv[0][1]].code if kv[0][1] in prefs else "",
        ),
    ):
        pref = prefs.get(p)
        row = (
            on.isoformat(),
            work_item_labels.get(w, ""),
            pref.code if pref else "",
            pref.name if pref else "",
            line.entries,
            *(line.by_status.get(s, 0) for s in STATUS_ORDER),
            line.rate if line.rate is not None else "",
            line.weighted_rate if line.weighted_rate is not None else "",
            *(line.by_rule.get(r, 0) for r in rules.RULES),
            line.significant,
            line.approved,
        )
        writer.writerow([csv_text(value) for value in row])
    return out.getvalue()
