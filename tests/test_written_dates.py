"""Dates people read are 2015/09/25, also where they were stored as ISO text."""

from __future__ import annotations

import datetime as dt

import pytest

from pmo.templatetags.pmo_dates import written_date
from tests.factories import CompletionItemFactory


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2015-09-25", "2015/09/25"),  # a completion answer of kind date, as stored
        (dt.date(2015, 9, 25), "2015/09/25"),
        ("実施済み", "実施済み"),
        ("2015-13-01", "2015-13-01"),  # not a date: left as typed
        (None, None),
        ("3", "3"),
    ],
)
def test_written_date(value, shown):
    assert written_date(value) == shown


def test_a_done_rows_date_answer_reads_as_officials_write_it(client, alice, sapporo):
    from actionplan import publishing, seed
    from actionplan.models import CompletionItem, PlanEntry, Programme

    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    publishing.ensure_entries(sapporo, programme)
    entry = PlanEntry.objects.for_plan(sapporo, programme).filter(system=None).first()
    item = CompletionItemFactory(
        task=entry.task, label="稼働日", kind=CompletionItem.Kind.DATE, required=False
    )
    PlanEntry.objects.filter(pk=entry.pk).update(
        status="done", completion={str(item.pk): "2015-09-25"}
    )
    client.force_login(alice)
    body = client.get(f"/orgs/011002/plan/entries/{entry.pk}/").content.decode()
    assert "<dt>稼働日</dt><dd>2015/09/25</dd>" in body
    assert "2015-09-25<" not in body


def test_audit_details_read_iso_dates_as_written(db):
    from accounts import audit_text
    from accounts.models import AuditEvent

    event = AuditEvent(
        kind=AuditEvent.Kind.CONTENT, detail="期日延長を承認 2015-10-01 システム改修"
    )
    [described] = audit_text.describe([event], None)
    assert "期日延長を承認 2015/10/01 システム改修" in described.text
