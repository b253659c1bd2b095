"""Editors assemble a field portal page; readers see only the links they may open."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import AuditEvent
from documents.models import Audience, PortalLink, PortalPage, PortalSection
from tests.factories import PortalLinkFactory, PortalPageFactory, PortalSectionFactory


def test_editor_builds_a_page_from_sections_and_links(world, make_document, client):
    document = make_document(title="業務フローサンプルファイル")
    client.force_login(world["users"]["editor"])
    response = client.post(
        reverse("documents:portal_create"),
        {"slug": "welfare", "title": "生活保護分野ポータル", "is_published": "on"},
    )
    assert response.status_code == 302
    page = PortalPage.objects.get(slug="welfare")
    edit = reverse("documents:portal_edit", args=["welfare"])
    client.post(edit, {"part": "section", "section-heading": "1. 共通資料", "section-order": 1})
    section = PortalSection.objects.get(page=page)
    client.post(
        edit,
        {"part": "link", "link-section": section.pk, "link-document": document.pk, "link-order": 1},
    )
    assert PortalLink.objects.filter(section=section, document=document).exists()
    assert AuditEvent.objects.filter(detail__startswith="ポータルページ").count() == 3

    client.force_login(world["users"]["staff"])
    html = client.get(page.get_absolute_url()).content.decode()
    assert "1. 共通資料" in html and "業務フローサンプルファイル" in html
    assert "まず初めに読んでいただきたい概要資料" in html  # the document's purpose by default


def test_portal_leaves_out_links_the_reader_may_not_open(world, make_document, client):
    section = PortalSectionFactory(page__is_published=True)
    for_prefectures = make_document(title="都道府県向け", audience=Audience.PREFECTURES)
    for_everyone = make_document(title="全団体向け")
    for document in (for_prefectures, for_everyone):
        PortalLinkFactory(section=section, document=document)
    client.force_login(world["users"]["staff"])
    html = client.get(section.page.get_absolute_url()).content.decode()
    assert "全団体向け" in html and "都道府県向け" not in html


def test_non_editor_cannot_edit_or_remove(world, make_document, client):
    section = PortalSectionFactory(page__slug="p", page__is_published=True)
    client.force_login(world["users"]["staff"])
    assert client.get(reverse("documents:portal_edit", args=["p"])).status_code == 404
    assert client.get(reverse("documents:portal_create")).status_code == 404
    url = reverse("documents:portal_remove", args=["p", "section", section.pk])
    assert client.post(url).status_code == 404
    assert PortalSection.objects.filter(pk=section.pk).exists()
    assert client.get(reverse("documents:portal_pages")).status_code == 200


def test_remove_only_within_the_page(world, client):
    page = PortalPageFactory()
    other_section = PortalSectionFactory()
    client.force_login(world["users"]["editor"])
    url = reverse("documents:portal_remove", args=[page.slug, "section", other_section.pk])
    assert client.post(url).status_code == 404
    assert PortalSection.objects.filter(pk=other_section.pk).exists()
