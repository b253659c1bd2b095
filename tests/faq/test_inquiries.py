"""Inquiries: the form, bad input, the workflow with its mails, permissions, publishing."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from faq import inquiries, services
from faq.models import FAQ, Inquiry, InquiryStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=False)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _submit(client, **data):
    payload = {"subject": "件名", "body": "質問の本文", "work_item": "", "field": ""} | data
    return client.post(reverse("faq:inquiry_new"), payload)


def test_form_is_prefilled_from_the_search(client_for, alice):
    response = client_for(alice).get("/inquiries/new/", {"q": "住民票の写し"})
    form = response.context["form"]
    assert form.initial == {"subject": "住民票の写し", "body": "住民票の写し"}
    assert 'hx-trigger="input changed delay:300ms' in response.content.decode()


def test_submit_records_received_and_mails_a_receipt(
    client_for, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client_for(alice), subject="中間サーバーの予算", body="予算措置は？")
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302 and response["Location"] == inquiry.get_absolute_url()
    assert (inquiry.status, inquiry.organization, inquiry.asker) == (
        InquiryStatus.RECEIVED,
        alice.organization,
        alice,
    )
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert "受け付けました" in mail.outbox[0].subject
    assert "https://pmo.example.jp/inquiries/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subject": "", "body": ""}, "件名を入力してください。"),
        ({"body": "\u3000\x01\u200b "}, "質問内容を入力してください。"),
        ({"body": "a\x00b"}, "body_error"),
        ({"body": "あ" * 4001}, "4000文字以内"),
        ({"subject": "あ" * 201}, "200文字以内"),
        ({"work_item": "Z"}, "選択"),
    ],
)
def test_bad_inquiry_gets_a_message_and_nothing_is_saved(client_for, alice, data, message):
    response = _submit(client_for(alice), **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Inquiry.objects.exists()
    assert not mail.outbox


def test_attachment_is_stored_under_a_generated_name_and_downloaded(client_for, alice, charlie):
    upload = SimpleUploadedFile("質問の資料.pdf", PDF, content_type="application/pdf")
    _submit(client_for(alice), attachments=[upload])
    attachment = Inquiry.objects.get().attachments.get()
    assert attachment.original_name == "質問の資料.pdf"
    assert "質問" not in attachment.file.name and attachment.file.name.startswith("inquiries/")
    url = reverse("faq:inquiry_attachment", args=[attachment.inquiry_id, attachment.pk])
    response = client_for(alice).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(charlie).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.html", b"<script>alert(1)</script>", "この種類のファイルは登録できません"),
        ("fake.pdf", b"<html><script>alert(1)</script>", "拡張子"),
        ("empty.pdf", b"", "空"),
    ],
)
def test_bad_attachment_is_refused_and_nothing_saved(client_for, alice, name, content, message):
    upload = SimpleUploadedFile(name, content)
    response = _submit(client_for(alice), attachments=[upload])
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Inquiry.objects.exists()


def test_full_workflow_sends_a_mail_at_each_step(
    client_for, alice, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _submit(client_for(alice), subject="条例の改正時期")
    inquiry = Inquiry.objects.get()
    client = client_for(editor)
    steps = [
        ("faq:inquiry_assign", {"assignee": editor.pk}, InquiryStatus.ASSIGNED),
        ("faq:inquiry_answer", {"answer": "議会提案の時期は…"}, InquiryStatus.ANSWERED),
        ("faq:inquiry_close", {}, InquiryStatus.CLOSED),
    ]
    for name, data, status in steps:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse(name, args=[inquiry.pk]), data)
        inquiry.refresh_from_db()
        assert inquiry.status == status
    sent = [(m.to, m.subject) for m in mail.outbox]
    assert [to for to, _s in sent] == [
        [alice.email],  # 受付
        [alice.email],  # 担当割当, to the asker
        [editor.email],  # 担当割当, to the assignee
        [alice.email],  # 回答済
        [alice.email],  # 完了
    ]
    assert "受け付けました" in sent[0][1]
    assert "担当者が決まりました" in sent[1][1]
    assert "担当になりました" in sent[2][1]
    assert "回答しました" in sent[3][1] and "議会提案の時期は" in mail.outbox[3].body
    assert "完了しました" in sent[4][1]
    assert inquiry.assigned_at and inquiry.answered_at and inquiry.closed_at


def test_steps_out_of_order_are_refused_without_mail(client_for, alice, editor):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="s", body="b")
    mail.outbox.clear()
    client = client_for(editor)
    response = client.post(reverse("faq:inquiry_answer", args=[inquiry.pk]), {"answer": "x"})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.RECEIVED
    client.post(reverse("faq:inquiry_close", args=[inquiry.pk]))
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.RECEIVED
    assert not mail.outbox


def test_asker_closes_their_answered_inquiry(client_for, alice, bob, editor):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="s", body="b")
    inquiries.assign(inquiry, assignee=editor)
    inquiries.answer(inquiry, text="回答", by=editor)
    client_for(bob).post(reverse("faq:inquiry_close", args=[inquiry.pk]))
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED


def test_publish_as_faq_in_one_step_without_the_asker(client_for, alice, editor):
    inquiry = inquiries.submit_inquiry(
        asker=alice,
        subject="宛名",
        body="札幌市の札幌 アリスです。宛名番号のクレンジング範囲は？ alice@city.sapporo.lg.jp",
        work_item="C",
    )
    inquiries.assign(inquiry, assignee=editor)
    inquiries.answer(inquiry, text="住民登録外の方も含みます。\n<script>x</script>", by=editor)
    client = client_for(editor)
    page = client.get(inquiry.get_absolute_url())
    initial = page.context["publish_form"].initial["question"]
    assert "札幌 アリス" not in initial and "alice@" not in initial and "札幌市" not in initial
    response = client.post(
        reverse("faq:inquiry_publish", args=[inquiry.pk]),
        {
            "question": initial,
            "answer": page.context["publish_form"].initial["answer"],
            "work_item": "C",
            "field": "",
        },
    )
    faq = FAQ.objects.get()
    assert response["Location"] == faq.get_absolute_url()
    assert "アリス" not in faq.question and "宛名番号のクレンジング範囲" in faq.question
    assert "<script>" not in faq.answer and "&lt;script&gt;" in faq.answer
    assert faq.work_item == "C" and faq.question_norm
    inquiry.refresh_from_db()
    assert inquiry.published_faq == faq
    # A second publish is refused.
    client.post(reverse("faq:inquiry_publish", args=[inquiry.pk]), {"question": "q", "answer": "a"})
    assert FAQ.objects.count() == 1


def test_publishing_before_an_answer_is_refused(client_for, alice, editor):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="s", body="b")
    client_for(editor).post(
        reverse("faq:inquiry_publish", args=[inquiry.pk]), {"question": "q", "answer": "a"}
    )
    assert not FAQ.objects.exists()


# --- permissions ------------------------------------------------------------------------------
def test_organisation_sees_its_inquiries_and_editors_see_all(
    client_for, alice, bob, charlie, editor
):
    mine = inquiries.submit_inquiry(asker=alice, subject="札幌の問い合わせ", body="b")
    theirs = inquiries.submit_inquiry(asker=charlie, subject="函館の問い合わせ", body="b")
    listed = client_for(bob).get("/inquiries/").content.decode()
    assert "札幌の問い合わせ" in listed and "函館の問い合わせ" not in listed
    assert client_for(bob).get(mine.get_absolute_url()).status_code == 200
    assert client_for(alice).get(theirs.get_absolute_url()).status_code == 404
    everything = client_for(editor).get("/inquiries/").content.decode()
    assert "札幌の問い合わせ" in everything and "函館の問い合わせ" in everything


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("faq:inquiry_detail", None),
        ("faq:inquiry_assign", {}),
        ("faq:inquiry_answer", {"answer": "x"}),
        ("faq:inquiry_close", {}),
        ("faq:inquiry_publish", {"question": "q", "answer": "a"}),
    ],
)
def test_outsider_gets_404_on_every_inquiry_view(client_for, alice, charlie, editor, name, data):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="s", body="b")
    inquiries.assign(inquiry, assignee=editor)
    url = reverse(name, args=[inquiry.pk])
    client = client_for(charlie)
    response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ASSIGNED


@pytest.mark.parametrize(
    "name", ["faq:inquiry_assign", "faq:inquiry_answer", "faq:inquiry_publish"]
)
def test_the_askers_own_colleague_cannot_run_editor_steps(client_for, alice, bob, editor, name):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="s", body="b")
    response = client_for(bob).post(reverse(name, args=[inquiry.pk]), {"assignee": bob.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["faq:report", "faq:export", "faq:import"])
def test_editor_pages_are_404_for_staff(client_for, alice, name):
    assert client_for(alice).get(reverse(name)).status_code == 404


def test_user_without_organisation_cannot_ask(client_for, db):
    nobody = UserFactory(organization=None, role=Role.STAFF)
    assert client_for(nobody).get("/inquiries/new/").status_code == 404


def test_inquiry_list_query_count_is_fixed(client_for, alice, editor, django_assert_num_queries):
    client = client_for(editor)
    for n in range(2):
        inquiries.submit_inquiry(asker=alice, subject=f"s{n}", body="b")
    client.get("/inquiries/")
    # session, user, count, rows (organisation, asker, assignee joined)
    with django_assert_num_queries(4):
        client.get("/inquiries/")
    for n in range(30):
        inquiry = inquiries.submit_inquiry(asker=alice, subject=f"t{n}", body="b")
        inquiries.assign(inquiry, assignee=editor)
    with django_assert_num_queries(4):
        client.get("/inquiries/")


def test_report_lists_misses_most_frequent_first_and_inquiries_by_category(
    client_for, alice, editor
):
    for _ in range(3):
        services.record_miss("ﾏｲﾅﾎﾟｰﾀﾙ")
    services.record_miss("住基カード")
    inquiries.submit_inquiry(asker=alice, subject="s", body="b", work_item="D")
    response = client_for(editor).get(reverse("faq:report"))
    misses = response.context["misses"]
    assert [(m.query_norm, m.count) for m in misses] == [("まいなぽーたる", 3), ("住基かーど", 1)]
    row = next(r for r in response.context["rows"] if r["label"].startswith("D."))
    assert row["total"] == 1 and row["ages"][0] == 1


def test_export_import_round_trip(client_for, editor, make_faq):
    """The editor downloads the workbook and uploads it back unchanged: the formula guard
    (a leading apostrophe) is in the file and gone again in the FAQ; nothing else changes."""
    from openpyxl import load_workbook

    faq = make_faq('=HYPERLINK("http://evil")', "<p>a</p>")
    client = client_for(editor)
    content = client.get(reverse("faq:export")).content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["B2"].value == "'" + faq.question and sheet["B2"].data_type == "s"

    upload = SimpleUploadedFile("faq.xlsx", content)
    response = client.post(reverse("faq:import"), {"file": upload}, follow=True)
    assert "取り込みました。新規 0 件、更新 1 件。" in response.content.decode()
    (imported,) = FAQ.objects.all()
    assert (imported.pk, imported.number) == (faq.pk, faq.number)
    assert (imported.question, imported.answer) == ('=HYPERLINK("http://evil")', "<p>a</p>")


def test_prefill_drops_control_characters(client_for, alice):
    response = client_for(alice).get("/inquiries/new/", {"q": "年金\x00の\u200b手続"})
    assert response.context["form"].initial["body"] == "年金の手続"


def test_mail_task_tolerates_a_deleted_inquiry(alice):
    from faq import tasks

    inquiry = inquiries.submit_inquiry(asker=alice, subject="s", body="b")
    inquiry_id = inquiry.pk
    inquiry.delete()
    assert tasks.send_inquiry_mails(inquiry_id, [["received", alice.email]]) == 0
