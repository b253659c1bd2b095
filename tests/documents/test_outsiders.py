"""Every view of the app: someone without the right answers 404 (never 403, never the data)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from documents import services
from documents.models import Audience, Status
from tests.documents.conftest import pdf
from tests.factories import AnnouncementFactory, PortalPageFactory


@pytest.fixture
def targets(world, make_document):
    hidden = make_document(audience=Audience.NAMED, organizations=[world["orgs"]["aomori"]])
    public = make_document(title="公開資料")
    effort = services.share_effort(
        actor=world["users"]["far_staff"], title="青森市の取組", purpose="", upload=pdf()
    )
    announcement = AnnouncementFactory()
    PortalPageFactory(slug="draft-page", title="準備中")
    return {"hidden": hidden, "public": public, "effort": effort, "announcement": announcement}


def urls(t) -> list[tuple[str, str]]:
    hidden, public, effort = t["hidden"], t["public"], t["effort"]
    return [
        ("get", reverse("documents:detail", args=[hidden.pk])),
        ("get", reverse("documents:download", args=[hidden.pk, hidden.files.get().pk])),
        ("get", reverse("documents:create")),
        ("post", reverse("documents:create")),
        ("get", reverse("documents:edit", args=[public.pk])),
        ("post", reverse("documents:publish", args=[public.pk])),
        ("post", reverse("documents:withdraw", args=[public.pk])),
        ("post", reverse("documents:add_version", args=[public.pk])),
        ("post", reverse("documents:add_version", args=[effort.pk])),
        ("post", reverse("documents:hide", args=[effort.pk])),
        ("post", reverse("documents:unhide", args=[effort.pk])),
        ("get", reverse("documents:announcement_create")),
        ("get", reverse("documents:announcement_edit", args=[t["announcement"].pk])),
        ("get", reverse("documents:portal", args=["draft-page"])),
        ("get", reverse("documents:procedures_import")),
        ("post", reverse("documents:procedures_import")),
    ]


def test_outsider_gets_404_on_every_view_and_it_is_audited(world, targets, client):
    client.force_login(world["users"]["staff"])  # 札幌市 staff: not named, not an editor
    for method, url in urls(targets):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url)
    targets["public"].refresh_from_db()
    assert targets["public"].status == Status.PUBLISHED and targets["public"].files.count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_DENIED).count() >= 10


def test_every_reader_page_opens_for_a_member(world, targets, client):
    client.force_login(world["users"]["far_staff"])  # 青森市: named on the hidden document
    for url in (
        "/documents/",
        "/efforts/",
        "/announcements/",
        "/procedures/",
        "/procedures/catalogue.xlsx",
        targets["hidden"].get_absolute_url(),
        reverse("documents:share_effort"),
    ):
        assert client.get(url).status_code == 200, url


def test_editor_reaches_the_editor_screens(world, targets, client):
    client.force_login(world["users"]["editor"])
    for name, args in (
        ("documents:create", []),
        ("documents:edit", [targets["public"].pk]),
        ("documents:announcement_create", []),
        ("documents:procedures_import", []),
        ("documents:portal", ["draft-page"]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_anonymous_is_sent_to_login(targets, client):
    response = client.get(targets["public"].files.get().get_download_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url
