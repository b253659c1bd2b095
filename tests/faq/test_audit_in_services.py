"""faq's audit rows are written by faq.services and faq.inquiries, so a change from the admin
site or the shell leaves the same trace as one from a page; a load by the system (seed, demo)
leaves none."""

from __future__ import annotations

from accounts.models import AuditEvent
from faq import inquiries, services
from faq.models import InquiryStatus


def details() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("detail", flat=True))


def test_writes_from_the_shell_are_audited(editor):
    faq = services.create_faq(question="転入届は", answer="<p>窓口で</p>", by=editor)
    services.update_faq(faq, by=editor, expected_version=faq.version, question="転出届は")
    services.set_published(faq, False, by=editor)
    assert details() == [
        f"FAQ {faq.number} を作成しました",
        f"FAQ {faq.number} を更新しました（質問）",
        f"FAQ {faq.number} を非公開にしました",
    ]
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {editor.pk}


def test_the_admin_sites_save_is_audited(editor, make_faq):
    faq = make_faq()
    faq.question = "変更した質問"
    services.save_from_admin(faq, by=editor, created=False)
    assert details() == [f"FAQ {faq.number} を更新しました（管理サイト）"]


def test_an_inquirys_steps_are_audited_with_its_status(alice, editor):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="件名", body="本文")
    inquiries.assign(inquiry, assignee=editor, by=editor)
    inquiries.answer(inquiry, text="回答です", by=editor)
    inquiries.close(inquiry, by=alice)
    steps = AuditEvent.objects.order_by("pk").values_list("actor", "before", "after")
    assert list(steps) == [
        (editor.pk, {"status": InquiryStatus.RECEIVED}, {"status": InquiryStatus.ASSIGNED}),
        (editor.pk, {"status": InquiryStatus.ASSIGNED}, {"status": InquiryStatus.ANSWERED}),
        (alice.pk, {"status": InquiryStatus.ANSWERED}, {"status": InquiryStatus.CLOSED}),
    ]
    faq = inquiries.publish_as_faq(inquiry, by=editor)
    assert details()[-1] == f"{inquiry.reference} をFAQとして公開しました"
    assert AuditEvent.objects.filter(detail__contains="作成しました").count() == 0
    assert faq.updated_by == editor


def test_a_system_load_is_not_audited(make_faq):
    make_faq()
    assert not AuditEvent.objects.exists()
