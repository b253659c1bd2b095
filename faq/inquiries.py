"""Every write to inquiries: asked, assigned, answered, closed, published as an FAQ.

Each step claims its row with a conditional UPDATE, so two editors pressing the same button
change the inquiry once, and writes its mails to the outbox in the step's transaction (sent by
a worker once it commits). A published inquiry becomes a new FAQ through
:func:`faq.services.save_faq`, without the asker (:func:`anonymize`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from faq import richtext
from faq.models import FAQ, Inquiry, InquiryAttachment, InquiryStatus
from faq.services import record_change, save_faq
from outbox import services as outbox
from outbox.recipients import receives_mail
from pmo.uploads import validate_upload


class WorkflowError(Exception):
    """A step the inquiry's current state does not allow (message is shown to the user)."""


@dataclass(frozen=True)
class Mail:
    template: str
    to: str


def _context(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "inquiry": inquiry,
        "url": settings.SITE_URL + inquiry.get_absolute_url(),
        "site_url": settings.SITE_URL,
    }


def _enqueue(inquiry: Inquiry, mails: Iterable[Mail]) -> int:
    """Render the step's mails for the inquiry as it is now and write them to the outbox, in
    the step's transaction (sent by a worker once it commits). Returns how many were written."""
    context = _context(inquiry)
    written = 0
    for mail in mails:
        if not mail.to:
            continue
        subject = render_to_string(f"faq/mail/{mail.template}_subject.txt", context)
        body = render_to_string(f"faq/mail/{mail.template}.txt", context)
        written += bool(
            outbox.enqueue(kind=f"faq.{mail.template}", to=[mail.to], subject=subject, body=body)
        )
    return written


@transaction.atomic
def send_mails(inquiry_id: int, mails: list[Mail]) -> int:
    """Write ``mails`` for the inquiry as it is now to the outbox; a deleted inquiry writes
    nothing. (Only for mail tasks queued before the outbox existed.)"""
    inquiry = (
        Inquiry.objects.select_related("asker", "assignee", "organization__prefecture")
        .filter(pk=inquiry_id)
        .first()
    )
    if inquiry is None:
        return 0
    return _enqueue(inquiry, mails)


def _mail(template: str, user) -> Mail:
    """The step's mail to ``user``, addressed only if the account receives mail."""
    return Mail(template, user.email if receives_mail(user) else "")


def _asker(inquiry: Inquiry):
    return inquiry.asker if inquiry.asker_id else None


@transaction.atomic
def submit_inquiry(
    *, asker, subject: str, body: str, work_item: str = "", field: str = "", files=()
) -> Inquiry:
    """Record a new inquiry (受付) with its attachments and mail the asker a receipt."""
    inquiry = Inquiry.objects.create(
        organization=asker.organization,
        asker=asker,
        subject=subject.strip(),
        body=body.strip(),
        work_item=work_item,
        field=field,
    )
    for upload in files:
        add_attachment(inquiry, upload)
    _enqueue(inquiry, [_mail("received", asker)])
    return inquiry


def add_attachment(inquiry: Inquiry, upload) -> InquiryAttachment:
    """Store an upload under a generated name, by the portal's upload rules."""
    validate_upload(upload)
    original = upload.name
    attachment = InquiryAttachment(
        inquiry=inquiry,
        original_name=original[:255],
        size=upload.size,
        content_type=getattr(upload, "content_type", "") or "",
    )
    attachment.file.save(original, upload, save=False)
    attachment.save()
    return attachment


def _claim(inquiry: Inquiry, allowed: tuple[str, ...], **changes: Any) -> None:
    claimed = Inquiry.objects.filter(pk=inquiry.pk, status__in=allowed).update(**changes)
    if not claimed:
        raise WorkflowError(
            _("この問い合わせは既に別の操作で更新されています。画面を再読み込みしてください。")
        )
    for name, value in changes.items():
        setattr(inquiry, name, value)


def _audit_step(inquiry: Inquiry, before: str, request, by=None) -> None:
    organization = inquiry.organization
    after = {"status": inquiry.status}
    fields = {"organization": organization, "before": {"status": before}, "after": after}
    record_change(request, by, inquiry, **fields)


@transaction.atomic
def assign(inquiry: Inquiry, *, assignee, by=None, request=None) -> Inquiry:
    """受付 (or a reassignment) → 担当割当: mail the asker and the assignee (audited)."""
    before = inquiry.status
    _claim(
        inquiry,
        (InquiryStatus.RECEIVED, InquiryStatus.ASSIGNED),
        status=InquiryStatus.ASSIGNED,
        assignee=assignee,
        assigned_at=timezone.now(),
    )
    _enqueue(
        inquiry,
        [
            _mail("assigned", _asker(inquiry)),
            _mail("assigned_to_you", assignee),
        ],
    )
    _audit_step(inquiry, before, request, by)
    return inquiry


@transaction.atomic
def answer(inquiry: Inquiry, *, text: str, by, request=None) -> Inquiry:
    """担当割当 → 回答済: store the answer and mail it to the asker (audited)."""
    if not text.strip():
        raise WorkflowError(_("回答を入力してください。"))
    changes: dict[str, Any] = {
        "status": InquiryStatus.ANSWERED,
        "answer": text.strip(),
        "answered_at": timezone.now(),
    }
    if inquiry.assignee_id is None:
        changes.update(assignee=by, assigned_at=timezone.now())
    before = inquiry.status
    _claim(inquiry, (InquiryStatus.ASSIGNED,), **changes)
    _enqueue(inquiry, [_mail("answered", _asker(inquiry))])
    _audit_step(inquiry, before, request, by)
    return inquiry


@transaction.atomic
def close(inquiry: Inquiry, *, by=None, request=None) -> Inquiry:
    """回答済 → 完了 (audited)."""
    before = inquiry.status
    _claim(
        inquiry,
        (InquiryStatus.ANSWERED,),
        status=InquiryStatus.CLOSED,
        closed_at=timezone.now(),
    )
    _enqueue(inquiry, [_mail("closed", _asker(inquiry))])
    _audit_step(inquiry, before, request, by)
    return inquiry


IDEOGRAPHIC_SPACE = "\u3000"  # between family and given name, as people type them
REDACTED = "〇〇"  # in place of a name, in the FAQ's (Japanese) text


def anonymize(text: str, inquiry: Inquiry) -> str:
    """Remove who asked: the asker's name, mail, department and organisation's name."""
    names: list[str] = []
    if inquiry.asker_id and inquiry.asker:
        asker = inquiry.asker
        names += [asker.email, asker.display_name, asker.department]
        names.append(asker.display_name.replace(" ", "").replace(IDEOGRAPHIC_SPACE, ""))
    org = inquiry.organization
    names += [org.full_name, org.name]
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, REDACTED)
    return text


@transaction.atomic
def publish_as_faq(
    inquiry: Inquiry,
    *,
    question: str = "",
    answer_text: str = "",
    work_item: str | None = None,
    field: str | None = None,
    by=None,
    request=None,
) -> FAQ:
    """One step: a new FAQ from the inquiry's question and answer, without the asker
    (audited as the inquiry's publication, not as an FAQ written by hand)."""
    if inquiry.status not in (InquiryStatus.ANSWERED, InquiryStatus.CLOSED):
        raise WorkflowError(_("回答済みの問い合わせだけをFAQとして公開できます。"))
    if inquiry.published_faq_id:
        raise WorkflowError(_("この問い合わせは既にFAQとして公開されています。"))
    question = anonymize(question.strip() or inquiry.body, inquiry)
    answer_html = richtext.from_plain(anonymize(answer_text.strip() or inquiry.answer, inquiry))
    fields = {
        "question": question,
        "answer": answer_html,
        "work_item": inquiry.work_item if work_item is None else work_item,
        "field": inquiry.field if field is None else field,
    }
    faq = save_faq(FAQ(**fields), by=by)
    claimed = Inquiry.objects.filter(pk=inquiry.pk, published_faq__isnull=True).update(
        published_faq=faq
    )
    if not claimed:
        raise WorkflowError(_("この問い合わせは既にFAQとして公開されています。"))
    inquiry.published_faq = faq
    record_change(request, by, faq, detail=f"{inquiry.reference} をFAQとして公開しました")
    return faq
