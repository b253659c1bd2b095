"""The role × action table, data only: the action names, how far a role reaches
(:class:`Reach`), and for each action the roles that may, or how far each role reaches.

:mod:`accounts.permissions` reads it and is the door everyone else goes through: callers
name an action as ``permissions.VIEW`` and ask ``permissions.can``; nothing but that module
(and the test that writes the table out by hand, tests/accounts/test_role_table.py) imports
this one. A role left out of a table reaches nothing.
"""

from __future__ import annotations

from enum import StrEnum

from accounts.roles import Role

# Actions on an organisation (and on everything that belongs to it).
VIEW = "view"  # see its plan, its inquiries, its own data
EDIT_PLAN = "edit_plan"  # enter plan and actual dates
ADVISE = "advise"  # leave advice (助言) on its plan
FOLLOW_UP = "follow_up"  # open and answer follow-ups as the reviewing side
MANAGE_ACCOUNTS = "manage_accounts"  # issue, stop and restart its accounts
# Record its mail domains (the issuance domain check): not the account manager, who would
# vouch for the addresses of its own organisation.
SET_MAIL_DOMAINS = "set_mail_domains"
REVIEW = "review"  # national status, late organisations, reports
VIEW_AUDIT = "view_audit"
EDIT_CONTENT = "edit_content"  # documents, procedures, FAQ, announcements
OPEN_DATA = "open_data"  # the national aggregates (no organisation-level data): anyone
REMIND = "remind"  # remind it to enter its plan (督促): its prefecture, the coordinator
OWN_SETTINGS = "own_settings"  # one's own settings (how one is notified): every active user
# Assign ministry reviewers to named local governments (a guardian ``follow_up`` grant on
# each): the coordinator and the system administrator.
ASSIGN_REVIEWERS = "assign_reviewers"
# Surveys (照会・調査; rows scoped in surveys/scopes.py): issue new ones (a global action),
# design and reopen one's own, follow one's responses and results, answer as one's
# organisation, relay one's municipalities' answers as their prefecture (経由).
ISSUE_SURVEYS = "issue_surveys"
MANAGE_SURVEY = "manage_survey"
TRACK_SURVEY = "track_survey"
ANSWER_SURVEY = "answer_survey"
RELAY_SURVEY = "relay_survey"
SURVEY_DESK = "survey_desk"  # the /surveys/ desk: issuers, and local governments' people
# Decided by role alone, for the pages that act on one side of a flow:
PREPARE_PROGRAMMES = "prepare_programmes"  # see programmes not yet published (prepared in admin)
APPROVE = "approve"  # approve an extended due date (期日の延長を承認) where one follows up
CHECK_PLANS = "check_plans"  # the 計画の確認 button on an organisation's review page
ROUTE_CHECKS = "route_checks"  # check a plan and route it to the ministries (総括の確認・回付)
# Answer as the reviewing ministry: its own verdicts on the plans routed to it, its worklist
# of checks, its 確認を依頼された計画 on TOP.
ANSWER_AS_MINISTRY = "answer_as_ministry"
# Be assigned local governments to follow up (担当); pages order and mark them first.
BE_ASSIGNED = "be_assigned"
# Give object grants (計画の編集 for a contractor, フォローアップ担当) on organisations one
# manages, from an account's page.
GRANT_ACCESS = "grant_access"
# Read every published document whatever its audience (they answer questions about it).
READ_EVERY_AUDIENCE = "read_every_audience"


class Reach(StrEnum):
    """How far a role's rule reaches, from the user's organisation."""

    NONE = "none"
    OWN = "own"  # its own organisation
    MUNICIPALITIES = "municipalities"  # its prefecture's municipalities (not itself)
    PREFECTURE = "prefecture"  # its own and its municipalities
    LOCAL = "local"  # every local government (prefectures, municipalities, associations)
    OWN_AND_LOCAL = "own_and_local"
    BUREAU = "bureau"  # work items: those its bureau, or the ministry above, is responsible for
    ALL = "all"


S, AM, PA, RV, ED, CO, SA = (
    Role.STAFF,
    Role.ACCOUNT_MANAGER,
    Role.PREFECTURE_ADMIN,
    Role.REVIEWER,
    Role.EDITOR,
    Role.COORDINATOR,
    Role.SYSADMIN,
)
ISSUERS = frozenset({RV, PA, CO, SA})  # who issues surveys (a bureau, a prefecture, the centre)

# THE ROLE TABLE. Global actions (``can(user, action)``): the roles that may.
GLOBAL: dict[str, frozenset[Role]] = {
    REVIEW: frozenset({SA, CO, RV, PA}),  # national status, late organisations, reports
    VIEW_AUDIT: frozenset({SA, PA, AM}),
    MANAGE_ACCOUNTS: frozenset({SA, PA, AM}),
    SET_MAIL_DOMAINS: frozenset({SA, PA}),
    GRANT_ACCESS: frozenset({SA, PA}),
    EDIT_CONTENT: frozenset({ED, SA}),
    READ_EVERY_AUDIENCE: frozenset({CO, RV}),
    REMIND: frozenset({SA, CO, PA}),
    ASSIGN_REVIEWERS: frozenset({CO, SA}),
    BE_ASSIGNED: frozenset({RV}),
    ISSUE_SURVEYS: ISSUERS,
    SURVEY_DESK: ISSUERS | {S, AM},  # the /surveys/ desk: issuers and local governments' people
    PREPARE_PROGRAMMES: frozenset({SA}),
    APPROVE: frozenset({RV, CO, SA}),
    CHECK_PLANS: frozenset({RV, CO, SA}),
    ROUTE_CHECKS: frozenset({CO, SA}),
    ANSWER_AS_MINISTRY: frozenset({RV}),
    OWN_SETTINGS: frozenset(Role),  # every active user: how they are notified
}

# Organisation actions (``organizations(user, action)``, ``can(user, action, org)``): how far
# each role reaches; a role left out reaches nothing. Guardian grants add to this.
ORGANIZATION: dict[str, dict[Role, Reach]] = {
    VIEW: {
        S: Reach.OWN,
        AM: Reach.OWN,
        PA: Reach.PREFECTURE,
        RV: Reach.OWN_AND_LOCAL,
        ED: Reach.OWN,
        CO: Reach.OWN_AND_LOCAL,
        SA: Reach.ALL,
    },
    EDIT_PLAN: {S: Reach.OWN, AM: Reach.OWN, PA: Reach.OWN, SA: Reach.OWN},
    ADVISE: {PA: Reach.MUNICIPALITIES, RV: Reach.LOCAL, CO: Reach.LOCAL, SA: Reach.ALL},
    FOLLOW_UP: {PA: Reach.MUNICIPALITIES, RV: Reach.LOCAL, CO: Reach.LOCAL, SA: Reach.ALL},
    REMIND: {PA: Reach.MUNICIPALITIES, CO: Reach.LOCAL, SA: Reach.ALL},
    MANAGE_ACCOUNTS: {AM: Reach.OWN, PA: Reach.PREFECTURE, SA: Reach.ALL},
    SET_MAIL_DOMAINS: {PA: Reach.PREFECTURE, SA: Reach.ALL},
}
# Any other action on an organisation: the system administrator, who can do anything.
ORGANIZATION_OTHERWISE: dict[Role, Reach] = {SA: Reach.ALL}

# The national picture (進捗確認) a REVIEW role sees: a prefecture its own municipalities.
NATIONAL: dict[Role, Reach] = {SA: Reach.ALL, CO: Reach.ALL, RV: Reach.ALL, PA: Reach.PREFECTURE}

# The work items (second axis) each role acts on: a ministry reviewer its bureau's.
WORK_ITEMS: dict[Role, Reach] = {
    S: Reach.ALL,
    AM: Reach.ALL,
    PA: Reach.ALL,
    RV: Reach.BUREAU,
    ED: Reach.ALL,
    CO: Reach.ALL,
    SA: Reach.ALL,
}

# Surveys (rows scoped in surveys/scopes.py). OWN: those its organisation issued (when it
# issues) or was sent (published); PREFECTURE: and those relayed via it (経由).
SURVEYS: dict[str, dict[Role, Reach]] = {
    MANAGE_SURVEY: {RV: Reach.OWN, PA: Reach.OWN, CO: Reach.OWN, SA: Reach.ALL},
    TRACK_SURVEY: {RV: Reach.OWN, PA: Reach.OWN, CO: Reach.ALL, SA: Reach.ALL},
    VIEW: {
        S: Reach.OWN,
        AM: Reach.OWN,
        PA: Reach.PREFECTURE,
        RV: Reach.OWN,
        ED: Reach.OWN,
        CO: Reach.ALL,
        SA: Reach.ALL,
    },
}
SURVEYS_OTHERWISE: dict[Role, Reach] = {SA: Reach.ALL}
# Responses. OWN: its organisation's (published surveys); MUNICIPALITIES: its municipalities'
# on surveys that go via the prefectures. Managing and tracking follow :data:`SURVEYS`.
RESPONSES: dict[str, dict[Role, Reach]] = {
    ANSWER_SURVEY: dict.fromkeys(Role, Reach.OWN),
    RELAY_SURVEY: {PA: Reach.MUNICIPALITIES},
    VIEW: {**dict.fromkeys(Role, Reach.OWN), PA: Reach.PREFECTURE, SA: Reach.ALL},
}

# Who is told (notices, mails), among the people of the organisation concerned: ``told(kind)``.
PLAN_SIDE = "plan_side"  # answer for its plan: follow-ups, plan checks, reminders, surveys
FOLLOW_UP_READERS = "follow_up_readers"  # read the answers to the follow-ups it opened
MINISTRY_REVIEWERS = "ministry_reviewers"  # a bureau's: plans routed to it, its work items late
OWN_LATE = "own_late"  # its own late rows (the daily digest)
MUNICIPALITIES_LATE = "municipalities_late"  # its municipalities' late rows (a prefecture)
TOLD: dict[str, frozenset[Role]] = {
    PLAN_SIDE: frozenset({S, AM, PA}),
    FOLLOW_UP_READERS: frozenset({RV, CO, PA, SA}),
    MINISTRY_REVIEWERS: frozenset({RV}),
    OWN_LATE: frozenset({S, AM}),
    MUNICIPALITIES_LATE: frozenset({PA}),
}

# Global actions open to everyone, signed in or not.
PUBLIC = frozenset({OPEN_DATA})

# Object grants (guardian) that extend a role's reach to one organisation.
GRANTABLE = {
    VIEW: ("view_plan", "edit_plan", "follow_up"),
    EDIT_PLAN: ("edit_plan",),
    FOLLOW_UP: ("follow_up",),
    ADVISE: ("follow_up",),
}
