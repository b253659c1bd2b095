"""Who sees a document, its page and its file: every role × audience × own/other organisation.

Out of audience answers 404 for the page and for the file URL, and the list leaves it out.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import permissions
from documents import services
from documents.models import Audience, Document, Kind

ALL = {
    "editor",
    "sysadmin",
    "coordinator",
    "reviewer",
    "prefecture",
    "other_prefecture",
    "staff",
    "manager",
    "other_staff",
    "far_staff",
    "association",
}
NATIONAL = {"editor", "sysadmin", "coordinator", "reviewer"}
# The documents are published by 厚生労働省, the reviewer's own ministry.
CASES = {
    "everyone": ALL,
    "prefectures": NATIONAL | {"prefecture", "other_prefecture"},
    "municipalities": NATIONAL | {"staff", "manager", "other_staff", "far_staff", "association"},
    "named_sapporo": NATIONAL | {"staff", "manager"},
    "named_hokkaido": NATIONAL | {"prefecture"},
    "draft": {"editor", "sysadmin", "reviewer"},
    "withdrawn": {"editor", "sysadmin", "reviewer"},
    "scheduled": {"editor", "sysadmin", "reviewer"},
}


def build(case: str, world, make_document) -> Document:
    orgs = world["orgs"]
    if case.startswith("named_"):
        named = orgs[case.removeprefix("named_")]
        return make_document(audience=Audience.NAMED, organizations=[named])
    if case == "draft":
        return make_document(action="draft")
    if case == "withdrawn":
        document = make_document()
        return services.withdraw(document, actor=world["users"]["editor"])
    if case == "scheduled":
        from datetime import timedelta

        from django.utils import timezone

        return make_document(action="schedule", publish_at=timezone.now() + timedelta(days=1))
    return make_document(audience=case)


@pytest.mark.parametrize("case", sorted(CASES))
def test_audience_matrix_for_list_page_and_file(case, world, make_document, client):
    document = build(case, world, make_document)
    file = document.files.get()
    for name, user in world["users"].items():
        allowed = name in CASES[case]
        client.force_login(user)
        listed = document.pk in {d.pk for d in client.get("/documents/").context["page"]}
        page = client.get(document.get_absolute_url())
        download = client.get(file.get_download_url())
        expected = 200 if allowed else 404
        assert (page.status_code, download.status_code) == (expected, expected), (case, name)
        # Editors list drafts too; others see only published documents in the list.
        assert listed == (
            allowed
            and (case not in ("draft", "withdrawn", "scheduled") or name in {"editor", "sysadmin"})
        ), (case, name)


def test_visible_is_one_query_without_duplicates(world, make_document, django_assert_num_queries):
    make_document(audience=Audience.NAMED, organizations=[world["orgs"]["sapporo"]])
    make_document(audience=Audience.MUNICIPALITIES)
    staff = world["users"]["staff"]
    with django_assert_num_queries(1):
        titles = list(permissions.visible(staff, Document.objects.all()).values_list("pk"))
    assert len(titles) == 2


def test_file_of_another_document_is_404(world, make_document, client):
    first = make_document()
    second = make_document(title="別の資料")
    client.force_login(world["users"]["staff"])
    url = reverse("documents:download", args=[first.pk, second.files.get().pk])
    assert client.get(url).status_code == 404


def test_effort_is_for_everyone_and_hidden_effort_only_for_its_organisation(world, client):
    staff = world["users"]["staff"]
    from tests.documents.conftest import pdf

    effort = services.share_effort(
        actor=staff, title="札幌市の取組", purpose="研修資料", upload=pdf("研修.pdf")
    )
    assert effort.kind == Kind.EFFORT and effort.publisher == world["orgs"]["sapporo"]
    client.force_login(world["users"]["far_staff"])
    assert client.get(effort.get_absolute_url()).status_code == 200
    assert effort.pk in {d.pk for d in client.get("/efforts/").context["page"]}

    services.hide(effort, actor=world["users"]["editor"], reason="個人情報が含まれていたため")
    assert client.get(effort.get_absolute_url()).status_code == 404
    client.force_login(world["users"]["manager"])  # same organisation as the uploader
    response = client.get(effort.get_absolute_url())
    assert response.status_code == 200
    assert "個人情報が含まれていたため" in response.content.decode()


def test_staff_cannot_edit_documents_but_can_version_their_own_effort(world, make_document):
    staff = world["users"]["staff"]
    document = make_document()
    assert not permissions.can(staff, permissions.EDIT_CONTENT, document)
    from tests.documents.conftest import pdf

    effort = services.share_effort(actor=staff, title="取組", purpose="", upload=pdf())
    assert permissions.can(staff, permissions.EDIT_CONTENT, effort)
    assert not permissions.can(world["users"]["other_staff"], permissions.EDIT_CONTENT, effort)


def test_audience_by_class_prefectures_designated_and_core_cities(world, make_document, client):
    """A 事務連絡 to 各都道府県・指定都市・中核市: Sapporo (designated) and the prefectures."""
    document = make_document(
        audience=Audience.CLASSES, audience_classes=",prefecture,designated,core,"
    )
    expected = NATIONAL | {"prefecture", "other_prefecture", "staff", "manager"}
    for name, user in world["users"].items():
        assert permissions.can(user, permissions.VIEW, document) == (name in expected), name
        client.force_login(user)
        status = client.get(document.files.get().get_download_url()).status_code
        assert status == (200 if name in expected else 404), name


def test_editor_sets_an_audience_by_class(world, client):
    from django.urls import reverse

    from tests.documents.conftest import pdf

    client.force_login(world["users"]["editor"])
    form = {
        "category": world["category"].pk,
        "title": "生活保護分野における番号制度の導入について",
        "publisher": world["orgs"]["mhlw"].pk,
        "audience": "classes",
        "publication": "publish",
        "upload": pdf(),
    }
    refused = client.post(reverse("documents:create"), form)
    assert "公開先の区分を1つ以上選んでください" in refused.content.decode()
    form |= {"audience_class_list": ["prefecture", "designated", "core"], "upload": pdf()}
    assert client.post(reverse("documents:create"), form).status_code == 302
    document = Document.objects.get()
    assert document.audience_classes == ",prefecture,designated,core,"
    page = client.get(document.get_absolute_url()).content.decode()
    assert "都道府県・政令指定都市・中核市" in page
