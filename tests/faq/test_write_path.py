"""The one write path (faq.services) keeps who changed an FAQ, when, and its version, for every
caller: the portal's forms, the Excel import, the admin and the inquiry workflow."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from faq import exports, inquiries, services
from faq.models import FAQ

pytestmark = pytest.mark.django_db


def test_create_records_who_and_starts_at_version_1(editor, make_faq):
    faq = services.create_faq(question="質問", answer="答え", by=editor)
    assert (faq.version, faq.updated_by) == (1, editor)
    assert faq.updated_at is not None
    assert make_faq().updated_by is None  # the seed and tests: nobody in particular


def test_every_save_bumps_the_version_in_the_database(editor, make_faq):
    faq = make_faq()
    copy = FAQ.objects.get(pk=faq.pk)
    services.save_faq(faq, by=editor)
    services.save_faq(copy)  # an older copy: still the next version, not the same one again
    assert copy.version == 3
    assert FAQ.objects.values_list("version", flat=True).get() == 3


def test_a_save_that_loses_the_race_is_refused_by_the_service(editor, editor2, make_faq):
    """The form's check passed, but another save claimed the version first."""
    faq = make_faq("元の質問")
    mine = FAQ.objects.select_related("updated_by").get(pk=faq.pk)
    services.update_faq(faq, by=editor2, expected_version=1, question="先に保存")
    with pytest.raises(services.StaleEdit) as refused:
        services.update_faq(mine, by=editor, expected_version=1, question="後から保存")
    assert "編集 花子 さんがこのFAQを変更しました" in refused.value.message()
    faq.refresh_from_db()
    assert (faq.question, faq.version, faq.updated_by) == ("先に保存", 2, editor2)


def test_import_records_who_and_bumps_the_version(client_for, editor, make_faq):
    faq = make_faq("取り込み前")
    book = Workbook()
    book.active.append(list(exports.HEADERS))
    book.active.append([faq.number, "取り込み後", "<p>答え</p>"])
    out = io.BytesIO()
    book.save(out)
    client_for(editor).post(
        reverse("faq:import"), {"file": SimpleUploadedFile("faq.xlsx", out.getvalue())}
    )
    faq.refresh_from_db()
    assert (faq.question, faq.version, faq.updated_by) == ("取り込み後", 2, editor)


def test_saving_an_older_copy_keeps_the_counters(make_faq):
    faq = make_faq("数える")
    copy = FAQ.objects.get(pk=faq.pk)
    services.record_view(faq)
    services.record_view(faq)
    copy.topic = "変更"
    services.save_faq(copy)
    faq.refresh_from_db()
    assert (faq.view_count, faq.topic, faq.version, copy.version) == (2, "変更", 2, 2)


def test_a_chosen_number_in_use_is_refused_not_renumbered(make_faq):
    make_faq(number="FAQ-0007")
    with pytest.raises(services.NumberTaken):
        services.create_faq(number="FAQ-0007", question="q", answer="a")
    assert FAQ.objects.count() == 1


def test_update_names_what_changed_and_writes_nothing_when_nothing_did(editor, make_faq):
    faq = make_faq("質問", "<p>答え</p>")
    assert services.update_faq(faq, by=editor, expected_version=1, question=" 質問 ") == []
    assert FAQ.objects.get().version == 1
    changed = services.update_faq(
        faq, by=editor, expected_version=1, topic="新しい", answer="<p>答え</p>"
    )
    assert changed == ["topic"]
    assert (FAQ.objects.get().version, FAQ.objects.get().updated_by) == (2, editor)


def test_set_published_changes_once(editor, editor2, make_faq):
    faq = make_faq()
    assert services.set_published(faq, False, by=editor) is True
    assert services.set_published(faq, False, by=editor2) is False
    faq.refresh_from_db()
    assert (faq.is_published, faq.version, faq.updated_by) == (False, 2, editor)


def test_admin_records_who(client, make_faq):
    from accounts.models import User

    admin = User.objects.create_superuser("root@pmo.example", "pw-0123456789", display_name="管理")
    faq = make_faq("管理サイトで")
    client.force_login(admin)
    response = client.post(
        f"/admin/faq/faq/{faq.pk}/change/",
        {
            "number": faq.number,
            "question": "管理サイトで直した",
            "answer": faq.answer,
            "updated_on": "2015-07-09",
            "related_documents": "[]",
            "is_published": "on",
            "created_at_0": "2015-07-09",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    faq.refresh_from_db()
    assert (faq.question, faq.version, faq.updated_by) == ("管理サイトで直した", 2, admin)


def test_publishing_an_inquiry_records_the_editor(client_for, editor, alice):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="件名", body="質問です。")
    inquiries.assign(inquiry, assignee=editor)
    inquiries.answer(inquiry, text="回答です。", by=editor)
    client_for(editor).post(
        reverse("faq:inquiry_publish", args=[inquiry.pk]),
        {"question": "質問です。", "answer": "回答です。", "work_item": "", "field": ""},
    )
    assert FAQ.objects.get().updated_by == editor
