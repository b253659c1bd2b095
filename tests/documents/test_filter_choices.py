"""The list filters offer only what the user may see: the tags and publishers of drafts, of
documents addressed to others and of hidden 取組情報 never appear in a drop-down."""

from __future__ import annotations

from documents import services
from documents.models import Audience
from tests.documents.conftest import pdf
from tests.factories import MinistryFactory


def _choices(response, name: str) -> set[str]:
    return {str(item) for item in response.context["filter"].form.fields[name].queryset}


def test_documents_filter_offers_only_tags_and_publishers_in_reach(world, make_document, client):
    digital = MinistryFactory(code="digital", name="デジタル庁")
    soumu = MinistryFactory(code="soumu", name="総務省")
    make_document(title="公開資料", tags=["公開タグ"])
    make_document(title="下書き", action="draft", tags=["下書きタグ"], publisher=digital)
    make_document(
        title="青森市向け",
        audience=Audience.NAMED,
        organizations=[world["orgs"]["aomori"]],
        tags=["青森向けタグ"],
        publisher=soumu,
    )
    client.force_login(world["users"]["staff"])  # 札幌市
    response = client.get("/documents/")
    body = response.content.decode()
    assert _choices(response, "tag") == {"公開タグ"}
    assert {org.name for org in _publishers(response)} == {"厚生労働省"}
    for hidden in ("下書きタグ", "青森向けタグ", "デジタル庁", "総務省"):
        assert hidden not in body, hidden
    # A filter value naming a tag out of reach is refused like any unknown choice.
    refused = client.get("/documents/", {"tag": _tag_pk("青森向けタグ")})
    assert "青森市向け" not in refused.content.decode()
    # The editor, who sees drafts and every audience, is offered all of them.
    client.force_login(world["users"]["editor"])
    editor = client.get("/documents/")
    assert _choices(editor, "tag") == {"公開タグ", "下書きタグ", "青森向けタグ"}


def _publishers(response):
    return response.context["filter"].form.fields["publisher"].queryset


def _tag_pk(name: str) -> int:
    from documents.models import Tag

    return Tag.objects.get(name=name).pk


def test_efforts_filter_hides_a_hidden_effort_from_others(world, client):
    from tests.factories import UserFactory

    author = UserFactory(organization=world["orgs"]["hakodate"])
    effort = services.share_effort(
        actor=author, title="函館の取組", purpose="取組", upload=pdf("取組.pdf")
    )
    services.set_tags(effort, ["函館タグ"])
    services.hide(effort, actor=world["users"]["editor"], reason="個人情報を含むため")
    client.force_login(world["users"]["staff"])  # 札幌市
    response = client.get("/efforts/")
    assert not any("函館" in str(org) for org in _publishers(response))
    assert "函館タグ" not in _choices(response, "tag")
    assert "函館" not in response.content.decode().split("<main", 1)[-1]
    # The editor, who hid it, still lists it and is offered its tag and publisher.
    client.force_login(world["users"]["editor"])
    editor = client.get("/efforts/")
    assert any("函館" in str(org) for org in _publishers(editor))
    assert "函館タグ" in _choices(editor, "tag")
