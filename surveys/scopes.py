"""Who sees which surveys and responses, registered with ``accounts.permissions``.

Decisions (and why):

- A survey's respondents are the local governments in its audience when it is published:
  a :class:`~surveys.models.Response` row is made for each of them then (``not_started``),
  so nobody has to open a page to be counted, and "may this organisation answer" is "has
  it a response row". The audience is read by the documents' rules
  (:func:`documents.scopes.audience_members`); ministries never answer.
- The issuer's side is the issuing organisation's people in an issuing role (reviewers of a
  bureau, a prefecture's admin, the coordinator): they design, reopen, follow and read results
  of their own surveys. The coordinator reads every survey and its results (it owns the
  national picture) but edits only its own; the system administrator does anything.
- Respondents see their own organisation's response only; any person of the organisation
  may continue and submit it.
- For a survey that goes via the prefectures, a prefecture admin sees, reminds, comments on,
  sends back and confirms its own municipalities' responses, and sees the survey itself.
- A draft survey is its issuer's alone.
"""

from __future__ import annotations

from django.db.models import Q

from accounts import permissions
from accounts.permissions import Reach

EVERYTHING = permissions.EVERYTHING
NOTHING = permissions.NOTHING


def _issuer_side(user) -> bool:
    return permissions.can(user, permissions.ISSUE_SURVEYS) and bool(user.organization_id)


def survey_rule(user, action: str) -> Q:
    """How far the user reaches is :func:`accounts.permissions.survey_reach` (the role
    table); what "own" and "via the prefecture" mean for surveys is here."""
    from surveys.models import Response, SurveyStatus

    org_id = user.organization_id
    reach = permissions.survey_reach(user, action)
    if reach == Reach.ALL:
        return EVERYTHING
    if reach == Reach.NONE:
        return NOTHING
    own = Q(issuer_id=org_id) if _issuer_side(user) else NOTHING
    if action != permissions.VIEW:  # managing and tracking: the surveys it issued
        return own
    if not org_id:
        return NOTHING
    published = Q(status=SurveyStatus.PUBLISHED)
    answering = Response.objects.filter(organization_id=org_id).values("survey_id")
    rule = own | (published & Q(pk__in=answering))
    if reach == Reach.PREFECTURE:
        relayed = Response.objects.filter(organization__prefecture_id=org_id).values("survey_id")
        rule |= published & Q(via_prefectures=True, pk__in=relayed)
    return rule


def response_rule(user, action: str) -> Q:
    from surveys.models import Survey

    org_id = user.organization_id
    if action in (permissions.MANAGE_SURVEY, permissions.TRACK_SURVEY):
        surveys = Survey.objects.filter(survey_rule(user, action)).values("pk")
        return Q(survey__in=surveys)
    reach = permissions.response_reach(user, action)
    if reach == Reach.ALL:
        return EVERYTHING
    own = (
        Q(organization_id=org_id, survey__status="published")
        if org_id and reach in (Reach.OWN, Reach.PREFECTURE)
        else NOTHING
    )
    relay = (
        Q(
            survey__via_prefectures=True,
            survey__status="published",
            organization__prefecture_id=org_id,
        )
        if org_id and reach in (Reach.MUNICIPALITIES, Reach.PREFECTURE)
        else NOTHING
    )
    if action != permissions.VIEW:  # answering: its own; relaying: its municipalities'
        return own if reach == Reach.OWN else relay
    tracked = Survey.objects.filter(survey_rule(user, permissions.TRACK_SURVEY)).values("pk")
    return own | relay | Q(survey__in=tracked)


def question_rule(user, action: str) -> Q:
    from surveys.models import Survey

    return Q(survey__in=Survey.objects.filter(survey_rule(user, action)).values("pk"))


def register_all() -> None:
    from surveys import models

    permissions.register_scope(models.Question)(question_rule)
    permissions.register_scope(models.Survey)(survey_rule)
    permissions.register_scope(models.Response)(response_rule)
