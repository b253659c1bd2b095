"""Delay detection and review, in rooms: :mod:`.flags` (delay flags, approved exceptions),
:mod:`.rollup_rows` (the tallies the read model keeps), :mod:`.checks` (plan checks, verdicts,
follow-ups), :mod:`.events` (review events, notices, the digest outbox) and :mod:`.jobs` (the
report and late-list jobs). Every model is importable from ``review.models``, as Django expects.

Writes go through :mod:`review.judging` and :mod:`review.workflow`; the judgement itself is
:func:`review.rules.judge`.
"""

from review.models.checks import FollowUp, FollowUpNote, MinistryReview, PlanCheck
from review.models.events import Notice, NotificationEvent, ReviewEvent, render_message
from review.models.flags import (
    NEEDS_FOLLOW_UP,
    OPEN,
    ApprovedException,
    DelayFlag,
    DelayFlagQuerySet,
    Reason,
    Rule,
)
from review.models.jobs import LateExportJob, ReportJob
from review.models.rollup_rows import EntryState, OrganizationRollup, RuleRollup, StatusRollup

__all__ = [
    "NEEDS_FOLLOW_UP",
    "OPEN",
    "ApprovedException",
    "DelayFlag",
    "DelayFlagQuerySet",
    "EntryState",
    "FollowUp",
    "FollowUpNote",
    "LateExportJob",
    "MinistryReview",
    "Notice",
    "NotificationEvent",
    "OrganizationRollup",
    "PlanCheck",
    "Reason",
    "ReportJob",
    "ReviewEvent",
    "Rule",
    "RuleRollup",
    "StatusRollup",
    "render_message",
]
