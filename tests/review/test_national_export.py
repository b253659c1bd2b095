"""The national late list as a file, at its real size: the seed programme published to all
1,788 local governments (each listing the shared target systems) and judged after its plan
deadline is some 107,000 open flags, more
than the 100,000 rows at which the old export stopped without a word. Both formats go through
the page, the worker's job (in-process here, as without a broker) and the download, with the
settings as they ship (no limit lowered for the test), and hold every flag."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from actionplan import publishing, seed
from actionplan.models import OrganizationSystem, Programme, TargetSystem
from orgs.models import LOCAL_KINDS, Organization
from review import exports, judging
from review.models import DelayFlag, LateExportJob
from tests.factories import UserFactory

OLD_LIMIT = 100_000  # where the export used to stop


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(client, fmt: str) -> bytes:
    response = client.get(reverse("review:late_export", args=[fmt]))
    assert response.status_code == 302  # a job: far more than a request writes
    job = LateExportJob.objects.get(fmt=fmt)
    assert job.state == "done", (job.state, job.failure)
    download = client.get(reverse("review:late_export_download", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def _codes(fmt: str, data: bytes) -> list[str]:
    """The organisation code of every line, after checking the header."""
    if fmt == "csv":
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
        assert tuple(next(reader)) == exports.HEADERS
        return [row[0] for row in reader]
    rows = load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True)
    assert next(rows) == exports.HEADERS
    return [row[0] for row in rows]


def test_the_national_late_list_exports_every_flag_in_both_formats(organizations, client):
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    # Every local government lists the seed's shared target systems, as the benchmark's
    # national set does: G's rows for each, 60 entries an organisation in all.
    local = Organization.objects.filter(kind__in=LOCAL_KINDS)
    shared = list(TargetSystem.objects.filter(organization=None))
    OrganizationSystem.objects.bulk_create(
        OrganizationSystem(organization=org, system=system) for org in local for system in shared
    )
    with time_machine.travel(dt.datetime(2015, 4, 1, 9), tick=False):
        publishing.publish(programme)
    with time_machine.travel(dt.datetime(2015, 5, 1, 3), tick=False):
        judging.scan(dt.date(2015, 5, 1), send=False)
    flags = DelayFlag.objects.filter(resolved_at=None)
    per_org = Counter(flags.values_list("organization__code", flat=True))
    assert sum(per_org.values()) > OLD_LIMIT
    assert len(per_org) == Organization.objects.filter(kind__in=LOCAL_KINDS).count() == 1_788

    coordinator = UserFactory(
        organization=Organization.objects.get(code="mic-jumin"), role=Role.COORDINATOR
    )
    client.force_login(coordinator)
    with time_machine.travel(dt.datetime(2015, 5, 1, 10), tick=False):
        for fmt in ("csv", "xlsx"):
            codes = _codes(fmt, _file(client, fmt))
            assert Counter(codes) == per_org, fmt  # every flag, each once
            assert codes == sorted(codes), fmt  # by organisation code
    for job in LateExportJob.objects.all():
        assert (job.total, job.done, job.percent) == (len(codes), len(codes), 100)
