"""Shipped seed and demo content load on the real organisations (twice); announcements."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from documents import demo, seed
from documents.models import Announcement, Document, DocumentFile, Kind
from pmo.uploads import validate_upload


def test_seed_and_demo_load_twice_on_real_organisations(organizations):
    from accounts.demo import load_demo_accounts

    load_demo_accounts()
    seed.load()
    first = demo.load()
    second = demo.load()
    assert first.split(",")[0] == second.split(",")[0] == "3 announcements"
    assert "0 demo files" in second
    mhlw = Announcement.objects.get(source="厚生労働省より")
    assert mhlw.date == datetime.date(2015, 7, 2) and mhlw.page.slug == "social-security"
    assert Document.objects.filter(kind=Kind.EFFORT, publisher__code="011002").count() == 1
    for file in DocumentFile.objects.all():  # every demo file passes the upload rules
        with file.file.open("rb") as handle:
            validate_upload(SimpleUploadedFile(file.original_name, handle.read()))


def test_editor_posts_an_announcement_and_it_is_audited(world, client):
    client.force_login(world["users"]["editor"])
    response = client.post(
        reverse("documents:announcement_create"),
        {
            "source": "厚生労働省より",
            "title": "ポータルページを更新しました",
            "date": "2015-07-02",
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    assert Announcement.objects.get().title == "ポータルページを更新しました"
    assert AuditEvent.objects.filter(detail="お知らせ").exists()
    client.force_login(world["users"]["staff"])
    html = client.get("/").content.decode()
    assert "[厚生労働省より]ポータルページを更新しました（<time" in html
    assert ">2015/07/02</time>）" in html
