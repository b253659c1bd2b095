"""Scheduled publication (Celery task, idempotent), list query counts, "新着", TOP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from documents import services, tasks
from documents.models import Announcement, Audience, Document, DocumentFile, Status
from tests.factories import (
    AnnouncementFactory,
    CategoryFactory,
    LinkageFactory,
    ProcedureFactory,
    ProcedureFieldFactory,
)

NOON = datetime(2015, 7, 9, 3, 0, tzinfo=UTC)  # 2015/07/09 12:00 in Tokyo


@time_machine.travel(NOON, tick=False)
def test_scheduled_document_is_published_by_the_task_once(world, make_document, client):
    document = make_document(action="schedule", publish_at=NOON + timedelta(hours=1))
    staff = world["users"]["staff"]
    client.force_login(staff)
    assert client.get(document.get_absolute_url()).status_code == 404

    assert tasks.publish_due_documents() == 0  # not yet due
    with time_machine.travel(NOON + timedelta(hours=1, seconds=1), tick=False):
        assert tasks.publish_due_documents() == 1
        assert tasks.publish_due_documents() == 0  # a second run changes nothing
    document.refresh_from_db()
    assert document.status == Status.PUBLISHED
    assert document.published_at == NOON + timedelta(hours=1)
    assert client.get(document.get_absolute_url()).status_code == 200
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.CONTENT, detail="予約公開")
    assert events.count() == 1 and events.get().before["status"] == "scheduled"


def test_withdrawn_scheduled_document_is_not_published(world, make_document):
    document = make_document(action="schedule", publish_at=timezone.now() + timedelta(minutes=5))
    services.withdraw(document, actor=world["users"]["editor"])
    assert services.publish_due(now=timezone.now() + timedelta(hours=1)) == []


def _bulk_documents(world, count: int) -> None:
    mhlw, category = world["orgs"]["mhlw"], world["category"]
    now = timezone.now()
    documents = Document.objects.bulk_create(
        Document(
            title=f"資料{i}",
            search_text=f"資料{i}",
            publisher=mhlw,
            category=category,
            audience=Audience.EVERYONE,
            status=Status.PUBLISHED,
            published_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    )
    DocumentFile.objects.bulk_create(
        DocumentFile(document=d, version=1, file=f"documents/x{d.pk}.pdf", original_name="a.pdf")
        for d in documents
    )


# session, user, (MFA check for editors), count, page, tags, current files, and the filter
# form's categories, publishers and tags.
@pytest.mark.parametrize(("role", "expected"), [("staff", 9), ("editor", 10)])
def test_list_query_count_is_the_same_for_10_and_500(
    world, client, django_assert_num_queries, role, expected
):
    client.force_login(world["users"][role])
    client.get("/documents/")  # the session's first request does its own bookkeeping
    counts = []
    for total in (10, 500):
        Document.objects.all().delete()
        _bulk_documents(world, total)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get("/documents/?q=資料&sort=new")
        assert response.status_code == 200
        assert len(response.context["page"]) == min(total, 50)
        counts.append(len(captured))
    assert counts == [expected, expected]
    with django_assert_num_queries(expected):
        client.get("/documents/?q=資料&sort=new")


def test_search_is_width_and_kana_insensitive(world, make_document, client):
    make_document(title="データ標準レイアウト（ＰＤＦ版）")
    make_document(title="業務フロー")
    client.force_login(world["users"]["staff"])
    for query in ("ﾃﾞｰﾀ", "でーた 標準", "pdf", "ＰＤＦ"):
        titles = [d.title for d in client.get("/documents/", {"q": query}).context["page"]]
        assert titles == ["データ標準レイアウト（ＰＤＦ版）"], query


def test_new_marks_since_previous_login(world, make_document, client):
    staff = world["users"]["staff"]
    old = make_document(title="古い資料")
    Document.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=30))
    staff.previous_login = timezone.now() - timedelta(days=1)
    staff.save()
    fresh = make_document(title="新しい資料")
    client.force_login(staff)
    marks = {d.title: d.is_new for d in client.get("/documents/").context["page"]}
    assert marks == {"古い資料": False, "新しい資料": True}
    top = client.get("/")
    assert [d.pk for d in top.context["new_documents"]] == [fresh.pk]
    assert "新着" in top.content.decode()


def test_top_shows_announcements_with_source_and_date(world, client):
    AnnouncementFactory(
        source="厚生労働省より",
        title="地方公共団体（社会保障各分野）における番号制度の導入について",
        date=datetime(2015, 7, 2).date(),
    )
    AnnouncementFactory(title="非掲載", is_published=False)
    client.force_login(world["users"]["staff"])
    html = client.get("/").content.decode()
    assert "[厚生労働省より]地方公共団体（社会保障各分野）における番号制度の導入について" in html
    assert "2015/07/02" in html
    assert "非掲載" not in html
    assert "非掲載" not in client.get(reverse("documents:announcements")).content.decode()


def test_category_filter_includes_subcategories(world, make_document, client):
    child = CategoryFactory(name="生活保護分野", parent=world["category"])
    document = make_document(title="生活保護")
    Document.objects.filter(pk=document.pk).update(category=child)
    client.force_login(world["users"]["staff"])
    page = client.get("/documents/", {"category": world["category"].pk}).context["page"]
    assert [d.title for d in page] == ["生活保護"]


def _bulk_catalogue(total: int) -> None:
    field = ProcedureFieldFactory(name="生活保護")
    document = Document.objects.first()
    for _ in range(total):
        ProcedureFactory(field=field).documents.add(document)
        LinkageFactory(field=field).documents.add(document)


@pytest.mark.parametrize("url", ["/procedures/", "/announcements/", "/efforts/"])
def test_other_lists_query_count_is_the_same_for_2_and_50(world, make_document, client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from documents.models import Linkage, Procedure

    make_document(title="データ標準レイアウト")
    client.force_login(world["users"]["staff"])
    client.get(url)
    counts = []
    for total in (2, 50):
        Procedure.objects.all().delete()
        Linkage.objects.all().delete()
        Announcement.objects.all().delete()
        _bulk_catalogue(total)
        Announcement.objects.bulk_create(Announcement(title=f"お知らせ{i}") for i in range(total))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_top_writes_an_announcements_date_in_the_readers_punctuation(world, client, settings):
    AnnouncementFactory(title="お知らせ", date=datetime(2015, 7, 2).date())
    client.force_login(world["users"]["staff"])
    japanese = client.get("/").content.decode()
    assert 'お知らせ（<time datetime="2015-07-02">2015/07/02</time>）' in japanese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/").content.decode()
    assert 'お知らせ (<time datetime="2015-07-02">2015/07/02</time>)' in english
    assert "（<time" not in english
