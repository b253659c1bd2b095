"""A plan sheet stored under another part name is still counted: the upload page refuses a
25,000-row one at once instead of importing it inside the request (issue 13, finding 1)."""

from __future__ import annotations

import io

from django.urls import reverse

from actionplan.models import ImportJob, PlanEntry
from tests.hostile_xlsx import many_rows, renamed_sheet


def test_a_renamed_sheet_part_cannot_hide_its_rows_from_the_upload_page(
    client, alice, plan, sapporo
):
    client.force_login(alice)
    versions = dict(PlanEntry.objects.values_list("pk", "version"))  # every organisation's
    file = io.BytesIO(renamed_sheet(many_rows(25_000)))
    file.name = "plan.xlsx"
    response = client.post(reverse("actionplan:plan_upload", args=[sapporo.code]), {"file": file})
    assert response.status_code == 400
    assert (
        'id="file-error" role="alert">行数が多すぎます（20,000行まで）。'
        in response.content.decode()
    )
    assert not ImportJob.objects.exists()
    assert dict(PlanEntry.objects.values_list("pk", "version")) == versions
