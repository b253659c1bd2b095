"""Every write to FAQs and inquiries: views, the Excel import, the seed and admin call these.

Search columns are refreshed here, view counts and votes are single UPDATEs (no lost
increments), and each inquiry step claims its row with a conditional UPDATE, so two editors
pressing the same button change the inquiry once and send one set of mails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from faq import richtext
from faq.models import (
    FAQ,
    FAQVote,
    Inquiry,
    InquiryAttachment,
    InquiryStatus,
    SearchMiss,
)
from faq.normalize import normalize

NUMBER_PREFIX = "FAQ-"


class WorkflowError(Exception):
    """A step the inquiry's current state does not allow (message is shown to the user)."""


# --- FAQ ----------------------------------------------------------------------------------------
def refresh_search_columns(faq: FAQ) -> None:
    faq.question_norm = normalize(faq.question)
    faq.answer_norm = normalize(richtext.to_plain(faq.answer))


def next_number() -> str:
    """The number after the highest ``FAQ-nnnn`` in use."""
    numbers = FAQ.objects.filter(number__startswith=NUMBER_PREFIX).values_list("number", flat=True)
    used = [int(n[len(NUMBER_PREFIX) :]) for n in numbers if n[len(NUMBER_PREFIX) :].isdigit()]
    return f"{NUMBER_PREFIX}{max(used, default=0) + 1:04d}"


def save_faq(faq: FAQ, *, related: list[FAQ] | None = None, touch: bool = True) -> FAQ:
    """Sanitise the answer, refresh the search columns and save (numbering new entries)."""
    faq.question = (faq.question or "").strip()
    faq.answer = richtext.sanitize(faq.answer)
    refresh_search_columns(faq)
    if touch:
        faq.updated_on = timezone.localdate()
    for _attempt in range(3):
        if not faq.number:
            faq.number = next_number()
        try:
            with transaction.atomic():
                faq.save()
            break
        except IntegrityError:
            if faq.pk or _attempt == 2:
                raise
            faq.number = ""  # another editor took the number; take the next one
    if related is not None:
        faq.related.set(related)
    return faq


def create_faq(*, related: list[FAQ] | None = None, **fields: Any) -> FAQ:
    return save_faq(FAQ(**fields), related=related, touch="updated_on" not in fields)


def record_view(faq: FAQ) -> None:
    FAQ.objects.filter(pk=faq.pk).update(view_count=F("view_count") + 1)


def vote_helpful(faq: FAQ, user) -> tuple[bool, int]:
    """``(counted, helpful_count)``: a second vote by the same user is not counted."""
    with transaction.atomic():
        _vote, created = FAQVote.objects.get_or_create(faq=faq, user=user)
        if created:
            FAQ.objects.filter(pk=faq.pk).update(helpful_count=F("helpful_count") + 1)
    count = FAQ.objects.values_list("helpful_count", flat=True).get(pk=faq.pk)
    return created, count


def record_miss(query: str) -> None:
    """Count a search that found nothing, under its normalised form."""
    query_norm = normalize(query)[:200]
    if not query_norm:
        return
    now = timezone.now()
    bump = {"count": F("count") + 1, "last_seen": now}
    if SearchMiss.objects.filter(query_norm=query_norm).update(**bump):
        return
    try:
        with transaction.atomic():
            SearchMiss.objects.create(query_norm=query_norm, example=query.strip()[:200])
    except IntegrityError:  # the same miss recorded at the same moment elsewhere
        SearchMiss.objects.filter(query_norm=query_norm).update(**bump)


# --- Inquiries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mail:
    template: str
    to: str


def send_mails(inquiry_id: int, mails: list[Mail]) -> int:
    """Render and send ``mails`` for the inquiry as it is now; returns how many were sent."""
    inquiry = (
        Inquiry.objects.select_related("asker", "assignee", "organization__prefecture")
        .filter(pk=inquiry_id)
        .first()
    )
    if inquiry is None:
        return 0
    context = {
        "inquiry": inquiry,
        "url": settings.SITE_URL + inquiry.get_absolute_url(),
        "site_url": settings.SITE_URL,
    }
    sent = 0
    for mail in mails:
        if not mail.to:
            continue
        subject = render_to_string(f"faq/mail/{mail.template}_subject.txt", context)
        body = render_to_string(f"faq/mail/{mail.template}.txt", context)
        sent += send_mail(" ".join(subject.split()), body, None, [mail.to])
    return sent


def _after_commit(inquiry: Inquiry, *mails: Mail) -> None:
    """Queue the step's mails once the step is committed (a worker sends them)."""
    from faq import tasks

    payload = [[mail.template, mail.to] for mail in mails if mail.to]
    inquiry_id = inquiry.pk
    # robust: a broker outage is logged; the step itself is already saved.
    transaction.on_commit(lambda: tasks.send_inquiry_mails.delay(inquiry_id, payload), robust=True)


def _asker_email(inquiry: Inquiry) -> str:
    return inquiry.asker.email if inquiry.asker_id and inquiry.asker else ""


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
    _after_commit(inquiry, Mail("received", _asker_email(inquiry)))
    return inquiry


def add_attachment(inquiry: Inquiry, upload) -> InquiryAttachment:
    """Store an upload under a generated name, by the documents' upload rules."""
    from documents.uploads import validate_upload

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
            "この問い合わせは既に別の操作で更新されています。画面を再読み込みしてください。"
        )
    for name, value in changes.items():
        setattr(inquiry, name, value)


@transaction.atomic
def assign(inquiry: Inquiry, *, assignee) -> Inquiry:
    """受付 (or a reassignment) → 担当割当: mail the asker and the assignee."""
    _claim(
        inquiry,
        (InquiryStatus.RECEIVED, InquiryStatus.ASSIGNED),
        status=InquiryStatus.ASSIGNED,
        assignee=assignee,
        assigned_at=timezone.now(),
    )
    _after_commit(
        inquiry, Mail("assigned", _asker_email(inquiry)), Mail("assigned_to_you", assignee.email)
    )
    return inquiry


@transaction.atomic
def answer(inquiry: Inquiry, *, text: str, by) -> Inquiry:
    """担当割当 → 回答済: store the answer and mail it to the asker."""
    if not text.strip():
        raise WorkflowError("回答を入力してください。")
    changes: dict[str, Any] = {
        "status": InquiryStatus.ANSWERED,
        "answer": text.strip(),
        "answered_at": timezone.now(),
    }
    if inquiry.assignee_id is None:
        changes.update(assignee=by, assigned_at=timezone.now())
    _claim(inquiry, (InquiryStatus.ASSIGNED,), **changes)
    _after_commit(inquiry, Mail("answered", _asker_email(inquiry)))
    return inquiry


@transaction.atomic
def close(inquiry: Inquiry) -> Inquiry:
    """回答済 → 完了."""
    _claim(
        inquiry,
        (InquiryStatus.ANSWERED,),
        status=InquiryStatus.CLOSED,
        closed_at=timezone.now(),
    )
    _after_commit(inquiry, Mail("closed", _asker_email(inquiry)))
    return inquiry


def anonymize(text: str, inquiry: Inquiry) -> str:
    """Remove who asked: the asker's name, mail, department and organisation's name."""
    names: list[str] = []
    if inquiry.asker_id and inquiry.asker:
        asker = inquiry.asker
        names += [asker.email, asker.display_name, asker.department]
        names.append(asker.display_name.replace(" ", "").replace("\u3000", ""))
    org = inquiry.organization
    names += [org.full_name, org.name]
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, "〇〇")
    return text


@transaction.atomic
def publish_as_faq(
    inquiry: Inquiry,
    *,
    question: str = "",
    answer_text: str = "",
    work_item: str | None = None,
    field: str | None = None,
) -> FAQ:
    """One step: a new FAQ from the inquiry's question and answer, without the asker."""
    if inquiry.status not in (InquiryStatus.ANSWERED, InquiryStatus.CLOSED):
        raise WorkflowError("回答済みの問い合わせだけをFAQとして公開できます。")
    if inquiry.published_faq_id:
        raise WorkflowError("この問い合わせは既にFAQとして公開されています。")
    question = anonymize(question.strip() or inquiry.body, inquiry)
    answer_html = richtext.from_plain(anonymize(answer_text.strip() or inquiry.answer, inquiry))
    faq = create_faq(
        question=question,
        answer=answer_html,
        work_item=inquiry.work_item if work_item is None else work_item,
        field=inquiry.field if field is None else field,
    )
    claimed = Inquiry.objects.filter(pk=inquiry.pk, published_faq__isnull=True).update(
        published_faq=faq
    )
    if not claimed:
        raise WorkflowError("この問い合わせは既にFAQとして公開されています。")
    inquiry.published_faq = faq
    return faq
