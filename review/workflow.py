"""The review workflow: approving a later date, follow-ups and their notes, the plan check.

Each service checks its input (refused input is :class:`pmo.invalid.Invalid`, nothing
written), writes in one transaction, records the event the other side hears of
(:mod:`review.events`) and its own audit row (``request=None`` from the shell, the admin or a
worker). Approving a later date judges the covered entries again
(:func:`review.judging.judge_entries`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts import audit, permissions
from actionplan.models import PlanEntry
from pmo import history
from pmo.invalid import Invalid
from review import events, judging
from review.models import (
    ApprovedException,
    FollowUp,
    FollowUpNote,
    MinistryReview,
    PlanCheck,
    Reason,
)


def _may_follow_up(user, work_item_id: int) -> bool:
    """The write-scope check of the one door, repeated here for every caller (views already
    offer and accept only these work items; a script or a shell must not get round it)."""
    return permissions.work_items(user, permissions.FOLLOW_UP).filter(pk=work_item_id).exists()


def covered_entries(organization, task, system=None):
    """The entries an approval for ``task`` (and ``system``) covers: the task's entry, or for
    a per-system task the named system's entry, or all its systems' when none is named."""
    entries = PlanEntry.objects.filter(organization=organization, task=task)
    if system is not None:
        entries = entries.filter(system=system)
    return entries


def approve(
    user,
    organization,
    task,
    approved_until: dt.date | None,
    reason: str,
    note: str = "",
    system=None,
    request=None,
):
    """A ministry approves a later date for the organisation's task (for a per-system task,
    for one of its target systems or, with ``system`` None, all of them). The covered
    entries are judged again: every lateness flag of theirs (start and end overdue, plan
    after the milestone, missed milestone) is *approved* up to that date, reported apart."""
    errors = {}
    if not _may_follow_up(user, task.work_item_id):
        errors["task"] = gettext("このタスクの期日延長は承認できません（担当外の作業項目です）。")
    elif system is not None and not task.per_system:
        errors["system"] = gettext(
            "このタスクは対象システムごとの計画ではありません。対象システムは空欄にしてください。"
        )
    elif system is not None and not covered_entries(organization, task, system).exists():
        errors["system"] = gettext(
            "この団体のこのタスクには、選んだ対象システムの計画がありません。"
        )
    if reason not in Reason.values:
        errors["reason"] = gettext("理由を選んでください。")
    if approved_until is None:
        errors["approved_until"] = gettext("承認する期日を入力してください。")
    if reason == Reason.OTHER and not note.strip():
        errors["note"] = gettext("理由が「その他」のときは補足を入力してください。")
    if errors or approved_until is None:
        raise Invalid(errors)
    with transaction.atomic():
        exception, _ = ApprovedException.objects.update_or_create(
            organization=organization,
            task=task,
            system=system,
            defaults={
                "approved_until": approved_until,
                "reason": reason,
                "note": note.strip(),
                "approved_by": user,
                "approved_by_organization": user.organization,
                "acknowledged_at": None,  # a new date for the organisation to read
                "acknowledged_by": None,
            },
        )
        judging.judge_entries(
            list(covered_entries(organization, task, system).values_list("pk", flat=True))
        )
        events.record(
            events.Kind.APPROVAL,
            organization=organization,
            programme=task.work_item.programme,
            actor=user,
            message=(
                gettext_noop(
                    "%(who)sが期日の延長を承認しました（%(organization)s: %(task)s（%(system)s）、"
                    "%(until)s まで）"
                )
                if system
                else gettext_noop(
                    "%(who)sが期日の延長を承認しました"
                    "（%(organization)s: %(task)s、%(until)s まで）"
                )
            ),
            params={
                "who": events.who(user),
                "organization": organization.full_name,
                "task": f"{task.work_item.code}. {task.name}",
                "system": system.name if system else "",
                "until": f"{approved_until:%Y/%m/%d}",
            },
            body=exception.note,
            url=reverse("review:organization", args=[organization.code]),
            recipients=events.organization_side(organization),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            target=exception,
            detail=f"期日延長を承認 {task}"
            + (f"（{system.name}）" if system else "")
            + f" {approved_until} {reason}",
        )
    return exception


def acknowledge_approval(user, approval) -> bool:
    """The organisation has read the approved later date (確認しました): it leaves its TOP.
    False when someone acknowledged it first (one conditional UPDATE)."""
    return bool(
        ApprovedException.objects.filter(pk=approval.pk, acknowledged_at=None).update(
            acknowledged_at=timezone.now(), acknowledged_by=user
        )
    )


def open_follow_up(
    user, organization, programme, *, cause, actions, due_on, work_item=None, request=None
):
    if work_item is not None and not _may_follow_up(user, work_item.pk):
        raise Invalid(
            {"work_item": gettext("担当外の作業項目にはフォローアップを起票できません。")}
        )
    follow_up = FollowUp(
        organization=organization,
        programme=programme,
        work_item=work_item,
        cause=cause,
        actions=actions.strip(),
        due_on=due_on,
        opened_by=user,
        opened_by_organization=user.organization,
    )
    with transaction.atomic():
        history.changed_by(follow_up, user)
        follow_up.save()
        events.record(
            events.Kind.FOLLOW_UP_OPENED,
            organization=organization,
            programme=programme,
            actor=user,
            message=(
                gettext_noop(
                    "%(who)sがフォローアップを起票しました：%(organization)s（%(work_item)s）、"
                    "対応期限 %(due)s"
                )
                if work_item is not None
                else gettext_noop(
                    "%(who)sがフォローアップを起票しました：%(organization)s、対応期限 %(due)s"
                )
            ),
            params={
                "who": events.who(user),
                "organization": organization.full_name,
                "work_item": f"{work_item.code}. {work_item.name}" if work_item else "",
                "due": f"{due_on:%Y/%m/%d}",
            },
            body=follow_up.actions,
            url=reverse("review:follow_up", args=[follow_up.pk]),
            recipients=events.organization_side(organization),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            target=follow_up,
            detail="フォローアップを起票",
        )
    return follow_up


def _follow_up_event(user, follow_up, note, *, organization_side: bool, close: bool) -> None:
    """The other side hears of the note: the answer goes to whoever opened the follow-up,
    the reviewing side's note or closing goes to the organisation."""
    organization = follow_up.organization
    if organization_side:
        kind = events.Kind.ANSWERED
        message = gettext_noop(
            "%(who)sがフォローアップに回答しました（%(organization)s、%(cause)s）"
        )
        recipients = events.reviewing_side(
            follow_up.opened_by_organization_id, follow_up.opened_by_id
        )
    else:
        kind, message = (
            (
                events.Kind.CLOSED,
                gettext_noop(
                    "%(who)sがフォローアップを完了にしました（%(organization)s、%(cause)s）"
                ),
            )
            if close and follow_up.state == FollowUp.State.CLOSED
            else (
                events.Kind.NOTE_ADDED,
                gettext_noop(
                    "%(who)sがフォローアップに記録を追加しました（%(organization)s、%(cause)s）"
                ),
            )
        )
        recipients = events.organization_side(organization)
    events.record(
        kind,
        organization=organization,
        programme=follow_up.programme,
        actor=user,
        message=message,
        params={
            "who": events.who(user),
            "organization": organization.full_name,
            "cause": events.phrase(FollowUp.Cause(follow_up.cause).label),
        },
        body=note.body,
        url=reverse("review:follow_up", args=[follow_up.pk]),
        recipients=recipients,
    )


def add_note(
    user, follow_up, body: str, *, organization_side: bool, close: bool = False, request=None
):
    """A note in the thread. The organisation's answer marks it 回答あり; the reviewing
    side may close it (完了)."""
    body = body.strip()
    if not body:
        raise Invalid({"body": gettext("内容を入力してください。")})
    with transaction.atomic():
        note = FollowUpNote.objects.create(
            follow_up=follow_up, author=user, author_organization=user.organization, body=body
        )
        if organization_side:
            follow_up.state = FollowUp.State.ANSWERED
        elif close:
            follow_up.state = FollowUp.State.CLOSED
        else:
            follow_up.state = FollowUp.State.OPEN
        history.changed_by(follow_up, user)
        follow_up.save()
        _follow_up_event(user, follow_up, note, organization_side=organization_side, close=close)
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=follow_up.organization,
            target=follow_up,
            detail="フォローアップに記録を追加",
        )
    return note


def route_check(user, organization, programme, ministries, comment: str = "", *, request=None):
    """The coordinator checks the plan first and routes it to the responsible ministries."""
    if not ministries:
        raise Invalid({"ministries": gettext("確認を依頼する府省庁を選んでください。")})
    with transaction.atomic():
        check, _ = PlanCheck.objects.select_for_update().get_or_create(
            organization=organization, programme=programme
        )
        check.state = PlanCheck.State.ROUTED
        check.coordinator_comment = comment.strip()
        check.checked_by = user
        check.checked_at = timezone.now()
        check.save()
        for ministry in ministries:
            MinistryReview.objects.get_or_create(plan_check=check, ministry=ministry)
        # Routed again (after a 要修正, say): those ministries check it again.
        MinistryReview.objects.filter(
            plan_check=check, ministry__in=ministries, verdict=MinistryReview.Verdict.NEEDS_FIX
        ).update(verdict=MinistryReview.Verdict.PENDING)
        events.record(
            events.Kind.ROUTED,
            organization=organization,
            programme=programme,
            actor=user,
            message=gettext_noop("%(who)sから計画の確認依頼があります：%(organization)s"),
            params={"who": events.who(user), "organization": organization.full_name},
            body=check.coordinator_comment,
            url=reverse("review:check", args=[organization.code]),
            recipients=events.reviewers_of(ministry.pk for ministry in ministries),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            detail="計画を確認し府省庁に依頼",
        )
    return check


def report_revised(user, organization, programme, comment: str = "") -> int:
    """The organisation has revised its plan after a 要修正 and asks for it to be checked
    again: those ministries' verdicts go back to 未確認 (their comments stay in the history),
    the check is with the ministries again, and their reviewers are told. Returns how many
    verdicts were reopened; none to reopen is refused."""
    with transaction.atomic():
        check = (
            PlanCheck.objects.select_for_update()
            .filter(organization=organization, programme=programme)
            .first()
        )
        reviews = list(
            MinistryReview.objects.filter(
                plan_check=check, verdict=MinistryReview.Verdict.NEEDS_FIX
            ).select_related("ministry")
            if check
            else []
        )
        if check is None or not reviews:
            raise Invalid({"check": gettext("要修正の確認結果はありません。")})
        for review in reviews:
            review.verdict = MinistryReview.Verdict.PENDING
            history.changed_by(review, user)
            review.save(update_fields=["verdict"])
        check.state = PlanCheck.State.ROUTED
        history.changed_by(check, user)
        check.save(update_fields=["state"])
        events.record(
            events.Kind.REVISED,
            organization=organization,
            programme=programme,
            actor=user,
            message=gettext_noop("%(organization)sが計画を修正しました。再確認をお願いします"),
            params={"organization": organization.full_name},
            body=comment.strip(),
            url=reverse("review:check", args=[organization.code]),
            recipients=events.reviewers_of(review.ministry_id for review in reviews),
        )
    return len(reviews)


def review_check(user, review, verdict: str, comment: str = "", *, request=None):
    """A ministry marks the plan 適切 or 要修正 (with a comment the organisation sees)."""
    if verdict not in (MinistryReview.Verdict.APPROPRIATE, MinistryReview.Verdict.NEEDS_FIX):
        raise Invalid({"verdict": gettext("適切か要修正かを選んでください。")})
    if verdict == MinistryReview.Verdict.NEEDS_FIX and not comment.strip():
        raise Invalid(
            {"comment": gettext("要修正のときは、団体に伝える修正内容を入力してください。")}
        )
    with transaction.atomic():
        review.verdict = verdict
        review.comment = comment.strip()
        review.reviewed_by = user
        review.reviewed_at = timezone.now()
        review.save()
        check = review.plan_check
        pending = check.reviews.filter(verdict=MinistryReview.Verdict.PENDING).exists()
        check.state = PlanCheck.State.ROUTED if pending else PlanCheck.State.DONE
        check.save(update_fields=["state"])
        organization = check.organization
        events.record(
            events.Kind.VERDICT,
            organization=organization,
            programme=check.programme,
            actor=user,
            message=gettext_noop("%(who)sが計画を確認しました：%(verdict)s（%(organization)s）"),
            params={
                "who": events.who(user),
                "verdict": events.phrase(MinistryReview.Verdict(review.verdict).label),
                "organization": organization.full_name,
            },
            body=review.comment,
            url=reverse("review:organization", args=[organization.code]),
            recipients=events.organization_side(organization),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            detail=f"計画の妥当性 {verdict}",
        )
    return review
