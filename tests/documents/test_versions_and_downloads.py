"""Versions, the download view (counted, Japanese name intact, nosniff) and the editor screens."""

from __future__ import annotations

from urllib.parse import unquote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from documents import samplefiles, services
from documents.models import Document, DocumentFile, Status
from tests.documents.conftest import pdf


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_new_version_supersedes_the_old_which_stays_downloadable(world, make_document, client):
    document = make_document(filename="概要 第1版.pdf")
    first = document.files.get()
    second = services.add_version(
        document, pdf("概要 第2版.pdf", title="v2"), actor=world["users"]["editor"], note="誤字修正"
    )
    first.refresh_from_db()
    assert (first.version, first.superseded, second.version, second.superseded) == (
        1,
        True,
        2,
        False,
    )
    assert document.current_file == second
    client.force_login(world["users"]["staff"])
    page = client.get(document.get_absolute_url())
    assert page.context["current"] == second
    assert [f.version for f in page.context["files"]] == [2, 1]
    assert body(client.get(first.get_download_url())) == samplefiles.minimal_pdf("v1")
    assert body(client.get(second.get_download_url())) == samplefiles.minimal_pdf("v2")


def test_download_sends_the_japanese_name_counts_and_is_an_attachment(world, make_document, client):
    document = make_document(filename="生活保護分野における番号制度の導入について.pdf")
    file = document.files.get()
    client.force_login(world["users"]["staff"])
    response = client.get(file.get_download_url())
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert (
        unquote(disposition.split("filename*=UTF-8''")[1])
        == "生活保護分野における番号制度の導入について.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert body(response) == samplefiles.minimal_pdf("v1")
    client.get(file.get_download_url())
    document.refresh_from_db()
    assert document.download_count == 2


def test_stored_name_is_random_and_outside_static(world, make_document, settings):
    file = make_document(filename="概要.pdf").files.get()
    assert "概要" not in file.file.name
    assert file.file.name.startswith("documents/") and file.file.name.endswith(".pdf")
    assert str(settings.STATIC_ROOT) not in file.file.path
    assert file.original_name == "概要.pdf"


def test_editor_creates_and_publishes_with_a_file_and_it_is_audited(world, client):
    client.force_login(world["users"]["editor"])
    response = client.post(
        reverse("documents:create"),
        {
            "category": world["category"].pk,
            "title": "業務フローサンプルファイル",
            "purpose": "代表的な事務における個人番号利用後の業務フロー例",
            "publisher": world["orgs"]["mhlw"].pk,
            "audience": "municipalities",
            "publication": "publish",
            "tags_text": "業務フロー、サンプル",
            "upload": pdf("業務フロー サンプル.pdf"),
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == document.get_absolute_url()
    assert document.status == Status.PUBLISHED and document.published_at
    assert sorted(document.tags.values_list("name", flat=True)) == ["サンプル", "業務フロー"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.CONTENT)
    assert event.actor == world["users"]["editor"] and event.after["status"] == "published"
    assert "業務ふろー" in document.search_text  # normalised for search


def test_html_named_pdf_is_refused_next_to_the_field_and_nothing_is_stored(world, client, _media):
    client.force_login(world["users"]["editor"])
    response = client.post(
        reverse("documents:create"),
        {
            "category": world["category"].pk,
            "title": "偽物",
            "publisher": world["orgs"]["mhlw"].pk,
            "audience": "everyone",
            "publication": "publish",
            "upload": SimpleUploadedFile("偽物.pdf", b"<html><script>alert(1)</script></html>"),
        },
    )
    assert response.status_code == 200
    assert "拡張子（.pdf）と一致しません" in response.content.decode()
    assert response.context["form"].errors["upload"]
    assert not Document.objects.exists() and not DocumentFile.objects.exists()
    assert not _media.exists() or not any(p.is_file() for p in _media.rglob("*"))


def test_schedule_needs_a_future_time(world, client):
    client.force_login(world["users"]["editor"])
    response = client.post(
        reverse("documents:create"),
        {
            "category": world["category"].pk,
            "title": "予約",
            "publisher": world["orgs"]["mhlw"].pk,
            "audience": "everyone",
            "publication": "schedule",
            "publish_at": "2015-07-01T10:00",
            "upload": pdf(),
        },
    )
    assert "これから先の日時" in response.content.decode()
    assert not Document.objects.exists()


def test_named_audience_needs_known_codes(world, client):
    client.force_login(world["users"]["editor"])
    response = client.post(
        reverse("documents:create"),
        {
            "category": world["category"].pk,
            "title": "指定",
            "publisher": world["orgs"]["mhlw"].pk,
            "audience": "named",
            "organization_codes": "011002, 999999",
            "publication": "publish",
            "upload": pdf(),
        },
    )
    assert "999999 が見つかりません" in response.content.decode()
    assert not Document.objects.exists()


def test_withdraw_and_version_upload_through_the_views(world, make_document, client):
    document = make_document()
    client.force_login(world["users"]["editor"])
    client.post(reverse("documents:add_version", args=[document.pk]), {"upload": pdf("v2.pdf")})
    assert document.files.filter(superseded=False).get().version == 2
    refused = client.post(
        reverse("documents:add_version", args=[document.pk]),
        {"upload": SimpleUploadedFile("v3.pdf", b"MZ\x90\x00 not a pdf")},
        follow=True,
    )
    assert "一致しません" in refused.content.decode()
    assert document.files.count() == 2
    client.post(reverse("documents:withdraw", args=[document.pk]), {"reason": "改訂のため"})
    document.refresh_from_db()
    assert document.status == Status.WITHDRAWN
    details = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.CONTENT).values_list("detail", flat=True)
    )
    assert any(d.startswith("第2版を登録") for d in details)
    assert any(d.startswith("公開終了 改訂のため") for d in details)


def test_staff_share_an_effort_and_editor_hides_it_with_a_reason(world, client):
    client.force_login(world["users"]["staff"])
    response = client.post(
        reverse("documents:share_effort"),
        {"title": "札幌市の研修資料", "purpose": "職員研修", "upload": pdf("研修資料.pdf")},
    )
    effort = Document.objects.get()
    assert response.status_code == 302
    assert effort.publisher == world["orgs"]["sapporo"] and effort.status == Status.PUBLISHED
    client.force_login(world["users"]["editor"])
    client.post(reverse("documents:hide", args=[effort.pk]), {"reason": "重複登録のため"})
    effort.refresh_from_db()
    assert effort.hidden_reason == "重複登録のため"


def test_editor_edits_and_schedules_an_existing_document(world, make_document, client):
    from datetime import timedelta

    from django.utils import timezone

    effort = services.share_effort(
        actor=world["users"]["staff"], title="取組", purpose="", upload=pdf()
    )
    draft = make_document(action="draft", title="下書き")
    client.force_login(world["users"]["editor"])
    when = timezone.localtime() + timedelta(days=2)
    response = client.post(
        reverse("documents:edit", args=[draft.pk]),
        {
            "category": world["category"].pk,
            "title": "予約した資料",
            "publisher": world["orgs"]["mhlw"].pk,
            "audience": "prefectures",
            "publication": "schedule",
            "publish_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.status, draft.audience) == (
        "予約した資料",
        "scheduled",
        "prefectures",
    )
    assert abs((draft.publish_at - when).total_seconds()) < 60
    # A 取組情報 keeps its municipal publisher when an editor corrects it.
    response = client.post(
        reverse("documents:edit", args=[effort.pk]),
        {
            "category": world["category"].pk,
            "title": "取組（修正）",
            "publisher": world["orgs"]["sapporo"].pk,
            "audience": "everyone",
            "publication": "draft",
        },
    )
    assert response.status_code == 302
    effort.refresh_from_db()
    assert (effort.title, effort.status) == ("取組（修正）", Status.PUBLISHED)


def test_missing_stored_file_is_404_and_not_counted(world, make_document, client):
    document = make_document()
    file = document.files.get()
    file.file.storage.delete(file.file.name)
    client.force_login(world["users"]["staff"])
    assert client.get(file.get_download_url()).status_code == 404
    document.refresh_from_db()
    assert document.download_count == 0
