"""Every write to FAQs: views, the Excel import, the seed and admin call these.

Search columns are refreshed here, an edit claims its version with a conditional UPDATE (a
stale copy writes nothing), and view counts and votes are single UPDATEs (no lost
increments). Inquiries have their own room, :mod:`faq.inquiries`.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from faq import richtext
from faq.models import FAQ, FAQVote, SearchMiss
from faq.normalize import normalize, read
from pmo import field_labels

NUMBER_PREFIX = "FAQ-"

# What an editor changes; save_faq writes these, the search columns and who/when/version, never
# the counters (single UPDATEs elsewhere, which a save of an older copy would undo).
EDITABLE_FIELDS = (
    "number",
    "question",
    "answer",
    "work_item",
    "field",
    "topic",
    "updated_on",
    "related_documents",
    "is_published",
)
_SAVED_FIELDS = (
    *EDITABLE_FIELDS,
    "question_norm",
    "answer_norm",
    "question_reading",
    "answer_reading",
    "question_words",
    "answer_words",
    "updated_at",
    "updated_by",
    "version",
)


class NumberTaken(Exception):
    """Another FAQ has the number (message is shown to the user)."""

    def __init__(self, number: str):
        super().__init__(_("%(number)s は既に別のFAQの番号です。") % {"number": number})
        self.number = number


class StaleEdit(Exception):
    """The FAQ was saved by someone else after the editor's copy was read; nothing was written.

    ``current`` is the FAQ as it is now (``None`` if it was deleted).
    """

    def __init__(self, current: FAQ | None):
        self.current = current
        super().__init__(self.message())

    def message(self) -> str:
        faq = self.current
        if faq is None:
            return _("このFAQは削除されています。")
        who = (faq.updated_by.display_name or faq.updated_by.email) if faq.updated_by else ""
        when = (
            timezone.localtime(faq.updated_at).strftime("%Y/%m/%d %H:%M") if faq.updated_at else ""
        )
        return _(
            "編集を始めた後に、%(who)s さんがこのFAQを変更しました（%(when)s）。"
            "保存していません。最新の内容を開き直してから編集してください。"
        ) % {"who": who or _("別の利用者"), "when": when or _("日時不明")}


def stale_edit(pk: int) -> StaleEdit:
    """The refusal for FAQ ``pk``, naming who saved it last (one query)."""
    return StaleEdit(FAQ.objects.select_related("updated_by").filter(pk=pk).first())


def refresh_search_columns(faq: FAQ) -> None:
    """The normalised text, its reading (kana) and the readings of its words, for every save."""
    plain_answer = richtext.to_plain(faq.answer)
    faq.question_norm = normalize(faq.question)
    faq.answer_norm = normalize(plain_answer)
    faq.question_reading, faq.question_words = read(faq.question)
    faq.answer_reading, faq.answer_words = read(plain_answer)


def clean_content(faq: FAQ) -> None:
    """The text as it will be stored: trimmed question, sanitised answer."""
    faq.question = (faq.question or "").strip()
    faq.answer = richtext.sanitize(faq.answer)


def next_number() -> str:
    """The number after the highest ``FAQ-nnnn`` in use."""
    numbers = FAQ.objects.filter(number__startswith=NUMBER_PREFIX).values_list("number", flat=True)
    used = [int(n[len(NUMBER_PREFIX) :]) for n in numbers if n[len(NUMBER_PREFIX) :].isdigit()]
    return f"{NUMBER_PREFIX}{max(used, default=0) + 1:04d}"


def save_faq(
    faq: FAQ,
    *,
    related: list[FAQ] | None = None,
    touch: bool = True,
    by=None,
    expected_version: int | None = None,
) -> FAQ:
    """Sanitise the answer, refresh the search columns and save (numbering new entries).

    ``by`` is recorded as the last to change it. With ``expected_version`` an existing FAQ is
    saved only if it is still at that version (a conditional UPDATE claims it), else
    :class:`StaleEdit`; without, the version is bumped in the database and read back (one
    more query). A number in use raises :class:`NumberTaken`. Nothing is written on refusal.
    """
    clean_content(faq)
    refresh_search_columns(faq)
    if touch:
        faq.updated_on = timezone.localdate()
    faq.updated_at = timezone.now()
    faq.updated_by = by
    with transaction.atomic():
        if faq.pk is None:
            _insert(faq)
        else:
            _update(faq, expected_version)
        if related is not None:
            faq.related.set(related)
    return faq


def _insert(faq: FAQ) -> None:
    numbered = not faq.number
    for attempt in range(3):
        if numbered:
            faq.number = next_number()
        try:
            with transaction.atomic():
                faq.save(force_insert=True)
            return
        except IntegrityError:
            # Another editor took the number we chose: take the next one. A number the
            # editor chose is theirs to change.
            if not numbered or attempt == 2:
                _raise_if_taken(faq)
                raise


def _update(faq: FAQ, expected_version: int | None) -> None:
    if expected_version is None:
        faq.version = F("version") + 1
    else:
        claimed = FAQ.objects.filter(pk=faq.pk, version=expected_version).update(
            version=expected_version + 1
        )
        if not claimed:
            raise stale_edit(faq.pk)
        faq.version = expected_version + 1
    try:
        with transaction.atomic():
            faq.save(update_fields=_SAVED_FIELDS)
    except IntegrityError:
        _raise_if_taken(faq)
        raise
    if expected_version is None:
        faq.refresh_from_db(fields=["version"])


def _raise_if_taken(faq: FAQ) -> None:
    if FAQ.objects.filter(number=faq.number).exclude(pk=faq.pk).exists():
        raise NumberTaken(faq.number)


def record_change(request, by, target, **fields: Any) -> None:
    """The trail's row for a change made by a person (``by``, or the request's user); a load
    by the system (the seed, the demo: neither) leaves none."""
    if by is not None or request is not None:
        audit.record(audit.Kind.CONTENT, request=request, actor=by, target=target, **fields)


def changed_labels(names: list[str]) -> str:
    """The changed fields' names for the trail (「質問、回答」)."""
    labels = {"related": _("関連するFAQ")} | {
        name: field_labels.label(FAQ, name) for name in EDITABLE_FIELDS
    }
    return _("、").join(labels[name] for name in names)


def create_faq(*, related: list[FAQ] | None = None, by=None, request=None, **fields: Any) -> FAQ:
    """A new FAQ, audited when a person writes it (``by``; ``request`` says from where)."""
    with transaction.atomic():
        faq = save_faq(FAQ(**fields), related=related, touch="updated_on" not in fields, by=by)
        record_change(request, by, faq, detail=f"FAQ {faq.number} を作成しました")
    return faq


def save_from_admin(faq: FAQ, *, by, request=None, created: bool) -> FAQ:
    """The admin site's save: the same checks as the editor's, and its own row in the trail."""
    with transaction.atomic():
        save_faq(faq, by=by)
        record_change(
            request,
            by,
            faq,
            detail=f"FAQ {faq.number} を{'作成' if created else '更新'}しました（管理サイト）",
        )
    return faq


def update_faq(
    faq: FAQ,
    *,
    by,
    expected_version: int,
    related: list[FAQ] | None = None,
    request=None,
    **fields: Any,
) -> list[str]:
    """An editor's change to ``faq`` (read at ``expected_version``): the names of the fields
    that changed, ``[]`` when none did (then nothing is written and 最終更新日 stays). A change
    is audited, naming the fields (and the old number, when it changed).

    Raises :class:`StaleEdit` or :class:`NumberTaken`, writing nothing. Reads the current
    related FAQs (one query) when ``related`` is given.
    """
    if faq.version != expected_version:
        raise StaleEdit(faq)
    before = {name: getattr(faq, name) for name in fields}
    old_number = faq.number
    for name, value in fields.items():
        setattr(faq, name, value)
    clean_content(faq)
    changed = [name for name in fields if getattr(faq, name) != before[name]]
    if related is not None:
        old = set(faq.related.values_list("pk", flat=True))
        if old != {other.pk for other in related}:
            changed.append("related")
        else:
            related = None
    if changed:
        with transaction.atomic():
            save_faq(
                faq,
                related=related,
                by=by,
                expected_version=expected_version,
                touch="updated_on" not in fields,
            )
            number = faq.number if faq.number == old_number else f"{old_number} → {faq.number}"
            record_change(
                request, by, faq, detail=f"FAQ {number} を更新しました（{changed_labels(changed)}）"
            )
    return changed


@transaction.atomic
def set_published(faq: FAQ, published: bool, *, by, request=None) -> bool:
    """Publish or unpublish (one conditional UPDATE, audited); ``False`` if it already was.

    The search columns and 最終更新日 do not change; the version does, so an edit form opened
    before is refused rather than silently flipping it back.
    """
    now = timezone.now()
    changed = FAQ.objects.filter(pk=faq.pk, is_published=not published).update(
        is_published=published, version=F("version") + 1, updated_at=now, updated_by=by
    )
    if changed:
        faq.is_published, faq.updated_at, faq.updated_by = published, now, by
        faq.refresh_from_db(fields=["version"])
        record_change(
            request,
            by,
            faq,
            detail=f"FAQ {faq.number} を{'公開' if published else '非公開に'}しました",
        )
    return bool(changed)


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
