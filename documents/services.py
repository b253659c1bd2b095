"""Every write of the documents app: views, the Excel import, tasks and admin call these.

Each change to a document is recorded in the audit trail (``Kind.CONTENT``) with the values
before and after. Uploads are validated (:func:`pmo.uploads.validate_upload`) before
anything is written, and each function is one transaction, so bad input saves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from documents import rules
from documents.models import (
    Audience,
    Document,
    DocumentFile,
    Kind,
    Linkage,
    Procedure,
    Status,
    Tag,
)
from faq.normalize import reading
from pmo.uploads import validate_upload

AUDITED_FIELDS = (
    "title",
    "purpose",
    "category_id",
    "publisher_id",
    "audience",
    "audience_classes",
    "status",
    "publish_at",
    "published_at",
    "hidden_reason",
)


def snapshot(document: Document) -> dict:
    """The audited values of ``document`` (JSON-ready), tags and named organisations included."""
    values = {}
    for name in AUDITED_FIELDS:
        value = getattr(document, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    if document.pk:
        values["tags"] = sorted(document.tags.values_list("name", flat=True))
        values["organizations"] = sorted(document.organizations.values_list("code", flat=True))
        values["procedures"] = sorted(
            {*document.procedures.values_list("number", flat=True)}
            | {*document.linkages.values_list("number", flat=True)}
        )
    return values


def _record(document: Document, *, request, actor, before: dict | None, detail: str) -> None:
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        organization=document.publisher,
        target=f"document:{document.pk} {document.title}",
        before=before,
        after=snapshot(document),
        detail=detail,
    )


def refresh_search_text(document: Document) -> None:
    """Store the normalised text the list searches in (one column, one LIKE per word)."""
    parts = [document.title, document.purpose, document.publisher.full_name]
    parts += list(document.tags.values_list("name", flat=True))
    if document.category:
        parts.append(document.category.name)
    text = " ".join(parts)
    document.search_text = rules.normalize(text)
    document.search_reading = reading(text)  # so ねんきん finds 年金
    Document.objects.filter(pk=document.pk).update(
        search_text=document.search_text, search_reading=document.search_reading
    )


def refresh_catalogue_readings(rows: Iterable[Procedure | Linkage] | None = None) -> int:
    """Store the reading of each catalogue row's searched text; returns how many changed.

    Without ``rows``, every procedure and linkage (the catalogue is a few thousand rows: the
    import and the seed call this after writing, whatever path wrote them)."""
    if rows is None:
        rows = [*Procedure.objects.all(), *Linkage.objects.all()]
    changed: dict[type[models.Model], list] = {Procedure: [], Linkage: []}
    for row in rows:
        read = reading(row.reading_source())
        if row.search_reading != read:
            row.search_reading = read
            changed[type(row)].append(row)
    for model, items in changed.items():
        model._default_manager.bulk_update(items, ["search_reading"], batch_size=500)
    return sum(len(items) for items in changed.values())


def set_tags(document: Document, names: Iterable[str]) -> None:
    cleaned = sorted({name.strip() for name in names if name.strip()})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in cleaned]
    document.tags.set(tags)


def set_catalogue_rows(document: Document, procedures: list, linkages: list) -> None:
    """The 別表第1/第2 rows that link to ``document`` (their 関連資料)."""
    document.procedures.set(procedures)
    document.linkages.set(linkages)


def _add_file(document: Document, upload, *, actor, note: str = "") -> DocumentFile:
    validate_upload(upload)
    # Lock the document row so two uploads at once cannot take the same version number.
    Document.objects.select_for_update().filter(pk=document.pk).first()
    latest = document.files.aggregate(latest=Max("version"))["latest"] or 0
    document.files.filter(superseded=False).update(superseded=True)
    return DocumentFile.objects.create(
        document=document,
        version=latest + 1,
        file=upload,
        original_name=upload.name.replace("\\", "/").rsplit("/", 1)[-1][:255],
        size=upload.size,
        note=note,
        uploaded_by=actor,
    )


def _apply_publication(document: Document, action: str, publish_at: datetime | None) -> None:
    now = timezone.now()
    if action == "publish":
        document.status, document.published_at, document.publish_at = Status.PUBLISHED, now, None
    elif action == "schedule":
        if publish_at is None or publish_at <= now:
            raise ValidationError(
                {"publish_at": _("公開予定日時には、これから先の日時を入力してください。")}
            )
        document.status, document.publish_at = Status.SCHEDULED, publish_at
    elif action == "draft" and document.status != Status.PUBLISHED:
        document.status, document.publish_at = Status.DRAFT, None


@transaction.atomic
def create_document(
    *,
    actor,
    request=None,
    upload=None,
    tags: Iterable[str] = (),
    organizations: Iterable = (),
    catalogue_rows: tuple[list, list] | None = None,
    action: str = "draft",
    note: str = "",
    **fields,
) -> Document:
    """A new document (draft, published now or scheduled) with its first file."""
    if upload is not None:
        validate_upload(upload)  # before any row exists
    document = Document(created_by=actor, **fields)
    _apply_publication(document, action, fields.get("publish_at"))
    if document.audience != Audience.NAMED:
        organizations = ()
    document.save()
    document.organizations.set(list(organizations))
    set_tags(document, tags)
    if catalogue_rows is not None:
        set_catalogue_rows(document, *catalogue_rows)
    if upload is not None:
        _add_file(document, upload, actor=actor, note=note or _("初版"))
    refresh_search_text(document)
    _record(document, request=request, actor=actor, before=None, detail="作成")
    return document


@transaction.atomic
def update_document(
    document: Document,
    *,
    actor,
    request=None,
    tags: Iterable[str] | None = None,
    organizations: Iterable | None = None,
    catalogue_rows: tuple[list, list] | None = None,
    action: str | None = None,
    **fields,
) -> Document:
    before = snapshot(document)
    for name, value in fields.items():
        setattr(document, name, value)
    if action:
        _apply_publication(document, action, fields.get("publish_at", document.publish_at))
    document.save()
    if organizations is not None:
        document.organizations.set(list(organizations) if document.audience == "named" else [])
    if tags is not None:
        set_tags(document, tags)
    if catalogue_rows is not None:
        set_catalogue_rows(document, *catalogue_rows)
    refresh_search_text(document)
    _record(document, request=request, actor=actor, before=before, detail="更新")
    return document


@transaction.atomic
def add_version(document: Document, upload, *, actor, request=None, note: str = "") -> DocumentFile:
    """Upload a new version: the old ones stay, marked superseded; the new one is current."""
    before = snapshot(document)
    file = _add_file(document, upload, actor=actor, note=note)
    Document.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    _record(
        document,
        request=request,
        actor=actor,
        before=before,
        detail=f"第{file.version}版を登録: {file.original_name}",
    )
    return file


@transaction.atomic
def publish(document: Document, *, actor, request=None) -> Document:
    before = snapshot(document)
    _apply_publication(document, "publish", None)
    document.save(update_fields=["status", "published_at", "publish_at", "updated_at"])
    _record(document, request=request, actor=actor, before=before, detail="公開")
    return document


@transaction.atomic
def schedule(document: Document, publish_at: datetime, *, actor, request=None) -> Document:
    before = snapshot(document)
    _apply_publication(document, "schedule", publish_at)
    document.save(update_fields=["status", "publish_at", "updated_at"])
    _record(document, request=request, actor=actor, before=before, detail="公開予約")
    return document


@transaction.atomic
def withdraw(document: Document, *, actor, request=None, reason: str = "") -> Document:
    before = snapshot(document)
    document.status, document.withdrawn_at = Status.WITHDRAWN, timezone.now()
    document.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _record(document, request=request, actor=actor, before=before, detail=f"公開終了 {reason}")
    return document


def publish_due(*, now: datetime | None = None) -> list[int]:
    """Publish every scheduled document whose time has come; returns the ids published.

    Each one is claimed with a conditional UPDATE (status still ``scheduled``), so two
    workers, or a second run, publish nothing twice and record one audit event each.
    """
    now = now or timezone.now()
    published = []
    due = Document.objects.filter(status=Status.SCHEDULED, publish_at__lte=now)
    for pk, publish_at in due.values_list("pk", "publish_at"):
        with transaction.atomic():
            claimed = Document.objects.filter(pk=pk, status=Status.SCHEDULED).update(
                status=Status.PUBLISHED, published_at=publish_at, updated_at=now
            )
            if claimed:
                document = Document.objects.select_related("publisher").get(pk=pk)
                before = snapshot(document) | {"status": Status.SCHEDULED, "published_at": None}
                _record(document, request=None, actor=None, before=before, detail="予約公開")
                published.append(pk)
    return published


@transaction.atomic
def share_effort(*, actor, request=None, title: str, purpose: str, upload, category=None):
    """An organisation's own 取組情報, published to everyone at once under its name."""
    if actor.organization_id is None:
        raise ValidationError(_("所属団体のない利用者は取組情報を登録できません。"))
    return create_document(
        actor=actor,
        request=request,
        upload=upload,
        action="publish",
        kind=Kind.EFFORT,
        title=title,
        purpose=purpose,
        category=category,
        publisher=actor.organization,
        audience=Audience.EVERYONE,
    )


@transaction.atomic
def hide(document: Document, *, actor, request=None, reason: str) -> Document:
    """An editor hides a 取組情報 from everyone but its publisher, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": _("非表示にする理由を入力してください。")})
    before = snapshot(document)
    document.hidden_reason = reason.strip()[:300]
    document.save(update_fields=["hidden_reason", "updated_at"])
    _record(document, request=request, actor=actor, before=before, detail="非表示")
    return document


@transaction.atomic
def unhide(document: Document, *, actor, request=None) -> Document:
    before = snapshot(document)
    document.hidden_reason = ""
    document.save(update_fields=["hidden_reason", "updated_at"])
    _record(document, request=request, actor=actor, before=before, detail="再表示")
    return document


def count_download(file: DocumentFile) -> None:
    """One more download, counted in the database (no lost updates under concurrency)."""
    Document.objects.filter(pk=file.document_id).update(download_count=F("download_count") + 1)


@transaction.atomic
def save_announcement(form, *, actor, request=None):
    """Save an announcement form and record it (editors only; checked by the view)."""
    before = (
        {name: str(form.initial.get(name, "")) for name in form.fields}
        if form.instance.pk
        else None
    )
    announcement = form.save()
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        target=f"announcement:{announcement.pk} {announcement}",
        before=before,
        after={name: str(form.cleaned_data.get(name, "")) for name in form.fields},
        detail="お知らせ",
    )
    return announcement


def import_catalogue(upload, *, actor, request=None, progress=None) -> dict[str, int]:
    """Import catalogue rows from an .xlsx (all or nothing) and record the import
    (``progress``: a worker's callback, see :func:`documents.sheets.import_workbook`)."""
    from documents import sheets

    upload.seek(0)
    counts = sheets.import_workbook(upload.read(), progress=progress or sheets.quiet)
    refresh_catalogue_readings()
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        target=f"procedures import {upload.name}"[:300],
        after=counts,
        detail="事務・手続一覧の取込",
    )
    return counts


@transaction.atomic
def save_portal_part(form, *, actor, request=None):
    """Save a portal page, section or link form and record it."""
    created = form.instance.pk is None
    saved = form.save()
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        target=f"{type(saved).__name__.lower()}:{saved.pk} {saved}",
        after={name: str(form.cleaned_data.get(name, "")) for name in form.fields},
        detail="ポータルページ " + ("追加" if created else "更新"),
    )
    return saved


@transaction.atomic
def remove_portal_part(part, *, actor, request=None) -> None:
    target = f"{type(part).__name__.lower()}:{part.pk} {part}"
    part.delete()
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        target=target,
        detail="ポータルページ 削除",
    )
