"""The tenant-isolation matrix, generated from the URL resolver.

Every URL pattern of the project × the roles {municipal staff, account manager, prefecture
admin, reviewer, coordinator, content editor, system administrator, anonymous} × objects
belonging to {own municipality (札幌市), another municipality in the same prefecture (函館市),
a municipality in another prefecture (青森市)}.

Each pattern needs an entry in ``CASES`` (or ``EXEMPT`` with a reason): a pattern with no entry
fails the suite. An entry builds, for an organisation, an object that belongs to it, carrying
a unique marker text, and returns the URL to request. Where the rule allows, the page must
answer 200 and show the marker (so the test cannot pass vacuously); where it does not, the
answer must be 404 (302 to the login page for anonymous) and the marker must not appear.

Reach is asserted as much as refusal: a rule's "everything" that a combination narrowed
(the administrator reached no organisation at all) fails here as surely as a leak.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# --- national roles (scope: issue 13): coordinator, editor, system administrator -------------
NATIONAL_ROLES = ("coordinator", "editor", "admin")
ROLES = ("staff", "manager", "pref_admin", "reviewer", *NATIONAL_ROLES, "anonymous")
OBJECTS = ("own", "same_prefecture", "other_prefecture")
ORG_OF = {"own": "sapporo", "same_prefecture": "hakodate", "other_prefecture": "aomori"}
ALL = set(OBJECTS)


def national(coordinator=ALL, editor=frozenset(), admin=ALL) -> dict[str, set[str]]:
    """What the coordinator, the content editor and the system administrator reach (by
    default: the administrator and the coordinator every organisation, the editor none, its
    own organisation being a ministry)."""
    return {"coordinator": set(coordinator), "editor": set(editor), "admin": set(admin)}


# --- end of the national roles block ----------------------------------------------------------

# Which objects each role may reach, by kind of rule.
EVERYONE = {role: set(OBJECTS) for role in ROLES if role != "anonymous"}
OWN_ORG = {
    "staff": {"own"},
    "manager": {"own"},
    "pref_admin": {"own", "same_prefecture"},
    "reviewer": set(OBJECTS),
    **national(),
}
EDIT_OWN = {
    "staff": {"own"},
    "manager": {"own"},
    "pref_admin": set(),
    "reviewer": set(),
    **national(coordinator=(), admin=()),  # plans are their organisations' own to edit
}
ISSUERS = {
    "staff": set(),
    "manager": {"own"},
    "pref_admin": {"own", "same_prefecture"},
    "reviewer": set(),
    **national(coordinator=()),
}
NOBODY = {"staff": set(), "manager": set(), "pref_admin": set(), "reviewer": set()}
NOBODY |= national(coordinator=(), admin=())
DOMAIN_SETTERS = {
    "staff": set(),
    "manager": set(),
    "pref_admin": {"own", "same_prefecture"},
    "reviewer": set(),
    **national(coordinator=()),  # the system administrator sets any organisation's
}


@dataclass
class Case:
    build: Callable  # (world, org) -> (url, marker or None)
    allowed: dict[str, set[str]]
    method: str = "get"
    data: dict | Callable = field(default_factory=dict)  # or (org) -> dict
    ok_status: tuple[int, ...] = ()  # default: 200 for a page, 302 (done, redirected) for a POST
    list_roles: set[str] = field(default_factory=set)  # roles that get the page (200) anyway
    redirect_roles: set[str] = field(default_factory=set)  # allowed, sent on to their own page


def own_patterns():
    """(name, module) for every named pattern of the project's own apps."""

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, pattern.callback.__module__

    return sorted(set(walk(get_resolver().url_patterns)))


# --- builders: each makes an object of ``org`` carrying ``marker`` and returns (url, marker) ---
def page(url):
    return lambda world, org, marker: (url, None)


def _staff_in(org, marker):
    from tests.factories import UserFactory

    return UserFactory(organization=org, display_name=marker, email=f"{marker.lower()}@example.jp")


def manage_list(world, org, marker):
    _staff_in(org, marker)
    return "/manage/accounts/", marker


def manage_detail(world, org, marker):
    return f"/manage/accounts/{_staff_in(org, marker).pk}/", marker


def manage_email(world, org, marker):
    return f"/manage/accounts/{_staff_in(org, marker).pk}/email/", marker


def _domain_marked(org, marker) -> str:
    domain = f"{marker.lower()}.lg.jp"
    type(org).objects.filter(pk=org.pk).update(mail_domains=domain)
    return domain


def manage_domains(world, org, marker):
    return "/manage/domains/", _domain_marked(org, marker)


def manage_domain_edit(world, org, marker):
    return f"/manage/domains/{org.code}/", _domain_marked(org, marker)


def manage_stop(world, org, marker):
    return f"/manage/accounts/{_staff_in(org, marker).pk}/stop/", None


def audit_list(world, org, marker):
    from accounts import audit

    audit.record(audit.Kind.CHANGED, organization=org, target=marker)
    return "/manage/audit/", marker


def audit_csv(world, org, marker):
    return audit_list(world, org, marker)[0].replace("audit/", "audit.csv"), marker


# Action plan: the seed programme, entries for the organisation, a remark as the marker.
def _programme(world):
    """A one-task programme: enough to own entries, far quicker than the seed."""
    import datetime as dt

    from actionplan import services
    from tests.factories import mark_published

    if "programme" not in world:
        # Published: pages show only published programmes to all but the administrator.
        world["programme"] = services.load_programme(
            {
                "name": "マトリクス",
                "starts_on": dt.date(2015, 1, 1),
                "ends_on": dt.date(2017, 12, 31),
                "plan_deadline": dt.date(2015, 6, 30),
                "work_items": [
                    {
                        "code": "A",
                        "name": "計画・準備",
                        "tasks": [
                            {
                                "name": "住民への広報活動",
                                "milestones": [{"due_on": dt.date(2016, 1, 1)}],
                            }
                        ],
                    }
                ],
            }
        )
        mark_published(world["programme"])
    return world["programme"]


def _entry(world, org, marker):
    from actionplan import publishing
    from actionplan.models import PlanEntry

    publishing.ensure_entries(org, _programme(world))
    entry = PlanEntry.objects.filter(organization=org).order_by("pk").first()
    PlanEntry.objects.filter(pk=entry.pk).update(remarks=marker)
    return entry


def plan_page(world, org, marker):
    _entry(world, org, marker)
    return f"/orgs/{org.code}/plan/", marker


def plan_sub(suffix, *, with_marker=False):
    def build(world, org, marker):
        _entry(world, org, marker)
        return f"/orgs/{org.code}/plan{suffix}", marker if with_marker else None

    return build


def own_data(world, org, marker):
    """/orgs/<code>/export.xlsx (a zip: the marker is checked in tests/test_own_data.py)."""
    _entry(world, org, marker)
    return f"/orgs/{org.code}/export.xlsx", None


def entry_sub(suffix, *, with_marker=True):
    def build(world, org, marker):
        entry = _entry(world, org, marker)
        return f"/orgs/{org.code}/plan/entries/{entry.pk}/{suffix}", marker if with_marker else None

    return build


def system_sub(suffix):
    """An own target system of ``org`` (named with the marker) and its rename/retire URL."""

    def build(world, org, marker):
        from tests.factories import OrganizationSystemFactory

        _entry(world, org, marker)
        link = OrganizationSystemFactory(organization=org, system__name=f"システム{marker}")
        return f"/orgs/{org.code}/plan/systems/{link.pk}/{suffix}", None

    return build


def import_job(suffix):
    def build(world, org, marker):
        from tests.factories import ImportJobFactory

        entry = _entry(world, org, marker)
        job = ImportJobFactory(
            organization=org,
            programme=entry.task.work_item.programme,
            user=None,
            filename=f"{marker}.xlsx",
            marked=b"PK",
        )
        return f"/orgs/{org.code}/plan/imports/{job.pk}/{suffix}", None

    return build


# Documents: a document shared with the organisation only (audience "named").
def _document(world, org, marker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services
    from documents.models import Audience
    from tests.factories import CategoryFactory, UserFactory

    editor = world.setdefault("editor", UserFactory(organization=world["mic"], role="editor"))
    category = world.setdefault("category", CategoryFactory(name="共通資料"))
    return services.create_document(
        actor=editor,
        upload=SimpleUploadedFile(f"{marker}.pdf", b"%PDF-1.4\n%%EOF\n"),
        action="publish",
        title=marker,
        purpose="用途",
        publisher=world["mic"],
        category=category,
        audience=Audience.NAMED,
        organizations=[org],
    )


def document_list(world, org, marker):
    _document(world, org, marker)
    return "/documents/", marker


def document_sub(suffix, *, with_marker=True):
    def build(world, org, marker):
        document = _document(world, org, marker)
        return f"/documents/{document.pk}/{suffix}", marker if with_marker else None

    return build


def document_download(world, org, marker):
    document = _document(world, org, marker)
    return f"/documents/{document.pk}/files/{document.files.get().pk}/download", None


def effort_list(world, org, marker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services
    from tests.factories import UserFactory

    author = UserFactory(organization=org)
    services.share_effort(
        actor=author,
        title=marker,
        purpose="取組",
        upload=SimpleUploadedFile(f"{marker}.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    return "/efforts/", marker


# FAQ and inquiries: an inquiry asked by the organisation's staff.
def _inquiry(world, org, marker):
    from faq import inquiries
    from tests.factories import UserFactory

    return inquiries.submit_inquiry(
        asker=UserFactory(organization=org), subject=marker, body="質問の本文です。"
    )


def inquiry_list(world, org, marker):
    _inquiry(world, org, marker)
    return "/inquiries/", marker


def inquiry_sub(suffix, *, with_marker=True):
    def build(world, org, marker):
        inquiry = _inquiry(world, org, marker)
        return f"/inquiries/{inquiry.pk}/{suffix}", marker if with_marker else None

    return build


def inquiry_attachment(world, org, marker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from faq import inquiries

    inquiry = _inquiry(world, org, marker)
    item = inquiries.add_attachment(inquiry, SimpleUploadedFile("添付.txt", b"text"))
    return f"/inquiries/{inquiry.pk}/attachments/{item.pk}/", None


def _faq(world, org, marker):
    from faq import services

    return services.create_faq(question=marker, answer="<p>回答</p>")


def faq_list(world, org, marker):
    _faq(world, org, marker)
    return f"/faq/?q={marker}", marker


def faq_sub(suffix):
    def build(world, org, marker):
        return f"/faq/{_faq(world, org, marker).number}/{suffix}", None

    return build


def portal_page(suffix):
    def build(world, org, marker):
        from tests.factories import PortalPageFactory

        page = PortalPageFactory(slug=marker.lower(), title=marker, is_published=True)
        return f"/portal/{page.slug}/{suffix}", marker if not suffix else None

    return build


def announcement_edit(world, org, marker):
    from tests.factories import AnnouncementFactory

    return f"/announcements/{AnnouncementFactory(title=marker).pk}/edit/", None


# Review: the national pages need the REVIEW action; organisation pages follow the org rules.
def review_prefecture(world, org, marker):
    _programme(world)
    return f"/review/prefectures/{org.prefecture.code}/", None


def review_org(suffix):
    def build(world, org, marker):
        _programme(world)
        return f"/review/orgs/{org.code}/{suffix}", None

    return build


def review_drill_down(world, org, marker):
    """The organisation's review page, showing a follow-up (on no work item) as the marker."""
    follow_up(world, org, marker)
    return f"/review/orgs/{org.code}/", marker


def follow_up(world, org, marker):
    import datetime as dt

    from tests.factories import FollowUpFactory

    item = FollowUpFactory(
        organization=org, programme=_programme(world), actions=marker, due_on=dt.date(2016, 3, 31)
    )
    return f"/review/follow-ups/{item.pk}/", marker


def review_page(url):
    def build(world, org, marker):
        _programme(world)
        return url, None

    return build


def not_started_page(world, org, marker):
    """The organisation has entries and entered nothing: listed, by its JIS code."""
    _entry(world, org, marker)
    return "/review/not-started/", org.code


# Surveys (issue 16): 厚生労働省 asks the organisation alone (audience "named"), via the
# prefectures, published, one question; the survey's title is the marker.
def _survey(world, org, marker):
    from surveys import services
    from tests.factories import QuestionFactory, SurveyFactory

    survey = SurveyFactory(
        issuer=world["mhlw"], title=marker, audience="named", via_prefectures=True
    )
    survey.organizations.set([org])
    question = QuestionFactory(survey=survey, text="質問")
    services.publish(survey, actor=world["reviewer"])
    return survey, question


def survey_list(world, org, marker):
    _survey(world, org, marker)
    return "/surveys/", marker


def survey_sub(suffix, *, with_marker=True):
    def build(world, org, marker):
        survey, question = _survey(world, org, marker)
        url = f"/surveys/{survey.pk}/{suffix}".replace("<question>", str(question.pk))
        return url, marker if with_marker else None

    return build


def survey_answer(suffix, *, with_marker=True):
    def build(world, org, marker):
        survey, _question = _survey(world, org, marker)
        return f"/surveys/{survey.pk}/answers/{org.code}/{suffix}", (
            marker if with_marker else None
        )

    return build


def advice_acknowledge(world, org, marker):
    """POST 確認しました on advice the organisation received."""
    from tests.factories import AdviceFactory

    _entry(world, org, marker)
    advice = AdviceFactory(organization=org, programme=_programme(world), body=marker)
    return f"/orgs/{org.code}/plan/advice/{advice.pk}/acknowledge/", None


def approval_acknowledge(world, org, marker):
    """POST 確認しました on an approved later date the organisation received."""
    from review.models import Reason
    from tests.factories import ApprovedExceptionFactory

    entry = _entry(world, org, marker)
    approval = ApprovedExceptionFactory(
        organization=org, task=entry.task, reason=Reason.VENDOR_CAPACITY
    )
    return f"/review/orgs/{org.code}/approvals/{approval.pk}/acknowledge/", None


def remind(world, org, marker):
    """POST a reminder to the organisation (entries, nothing entered); ``data`` names it."""
    _entry(world, org, marker)
    return "/review/not-started/remind/", None


def _assigned_reviewer(world, org, marker):
    from guardian.shortcuts import assign_perm

    from accounts.roles import Role
    from tests.factories import UserFactory

    reviewer = UserFactory(
        organization=world["mic"],
        role=Role.REVIEWER,
        display_name=marker,
        email=f"{marker.lower()}@soumu.go.jp",
    )
    assign_perm("orgs.follow_up", reviewer, org)
    return reviewer


def assignment_list(world, org, marker):
    """The assigned-reviewers page lists a reviewer assigned to ``org`` (by its name)."""
    _assigned_reviewer(world, org, marker)
    return "/review/assignments/", marker


def assignment_remove(world, org, marker):
    reviewer = _assigned_reviewer(world, org, marker)
    return f"/review/assignments/{reviewer.pk}/{org.code}/remove/", None


def late_export_job(suffix, state="done"):
    """A late-list export of the coordinator's (a job is its requester's own: whatever the
    organisation, nobody else reaches it); a finished one's file carries the marker."""

    def build(world, org, marker):
        import datetime as dt

        from django.core.files.base import ContentFile

        from review.models import LateExportJob

        job = LateExportJob(
            user=world["coordinator"],
            programme=_programme(world),
            on=dt.date(2016, 1, 1),
            fmt="csv",
            state=state,
            failure="interrupted" if state == "failed" else "",
        )
        if state == "done":
            job.file.save(f"{marker}.csv", ContentFile(f"{org.code},{marker}\r\n".encode()))
        job.save()
        return f"/review/late-exports/{job.pk}/{suffix}", marker if suffix == "download/" else None

    return build


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Export files (the late-list jobs) go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


JOB_OWNER = NOBODY | national(admin=())  # the coordinator is the requester of these jobs
EDITORS = NOBODY | national(coordinator=(), editor=ALL)  # content: editors and administrators
REVIEWERS = {
    "staff": set(),
    "manager": set(),
    "pref_admin": set(OBJECTS),
    "reviewer": set(OBJECTS),
    **national(),
}
PREFECTURE_REVIEW = {
    "staff": set(),
    "manager": set(),
    "pref_admin": {"own", "same_prefecture"},
    "reviewer": set(OBJECTS),
    **national(),
}
MINISTRY_FOLLOW_UP = {
    "staff": set(),
    "manager": set(),
    "pref_admin": set(),
    "reviewer": set(OBJECTS),
    **national(),
}
ANY_PAGE = {role: set(OBJECTS) for role in ("staff", "manager", "pref_admin", "reviewer")}
ANY_PAGE |= national(editor=ALL)
ISSUER_PAGE = {
    "manager": set(OBJECTS),
    "pref_admin": set(OBJECTS),
    "staff": set(),
    "reviewer": set(),
    **national(coordinator=()),
}
# Published documents: national readers see every audience; editors and administrators all.
DOC_NAMED = {
    "staff": {"own"},
    "manager": {"own"},
    "pref_admin": set(),
    "reviewer": set(OBJECTS),
    **national(editor=ALL),
}
ADVISE = {
    "staff": set(),
    "manager": set(),
    "pref_admin": {"own", "same_prefecture"},
    "reviewer": set(OBJECTS),
    **national(),
}
# Inquiries: the asking organisation's side, and the editors who answer every one of them.
INQUIRY = OWN_ORG | national(editor=ALL)
ALL_ROLES = {"staff", "manager", "pref_admin", "reviewer", *NATIONAL_ROLES}
# Surveys: the matrix's survey is 厚生労働省's (the reviewer's bureau), via the prefectures.
SURVEY_VIEW = {
    "staff": {"own"},
    "manager": {"own"},
    "pref_admin": {"own", "same_prefecture"},
    "reviewer": set(OBJECTS),
    **national(),
}
SURVEY_MANAGE = NOBODY | {"reviewer": set(OBJECTS)} | national(coordinator=())
SURVEY_TRACK = NOBODY | {"reviewer": set(OBJECTS)} | national()
SURVEY_ANSWER = NOBODY | {"staff": {"own"}, "manager": {"own"}}
SURVEY_RELAY = NOBODY | {"pref_admin": {"own", "same_prefecture"}}
SURVEY_ISSUER_PAGE = NOBODY | {"pref_admin": ALL, "reviewer": ALL} | national()

CASES: dict[str, Case] = {
    "top": Case(page("/"), ANY_PAGE),
    "own_settings": Case(page("/settings/"), ANY_PAGE),
    # accounts
    "accounts:hub": Case(page("/manage/"), ISSUER_PAGE | national(coordinator=(), editor=ALL)),
    "accounts:manage": Case(manage_list, ISSUERS, list_roles={"manager", "pref_admin"}),
    "accounts:new": Case(page("/manage/accounts/new/"), ISSUER_PAGE),
    "accounts:bulk": Case(page("/manage/accounts/bulk/"), ISSUER_PAGE),
    "accounts:bulk_template": Case(page("/manage/accounts/bulk/template.xlsx"), ISSUER_PAGE),
    "accounts:detail": Case(manage_detail, ISSUERS),
    "accounts:action": Case(manage_stop, ISSUERS, method="post", ok_status=(302,)),
    "accounts:email": Case(manage_email, ISSUERS),
    "accounts:domains": Case(manage_domains, DOMAIN_SETTERS, list_roles={"pref_admin"}),
    "accounts:domain_edit": Case(manage_domain_edit, DOMAIN_SETTERS),
    "accounts:audit": Case(audit_list, ISSUERS, list_roles={"manager", "pref_admin"}),
    "accounts:audit_export": Case(audit_csv, ISSUERS, list_roles={"manager", "pref_admin"}),
    # action plan
    "actionplan:plan": Case(plan_page, OWN_ORG),
    "actionplan:plan_xlsx": Case(plan_sub(".xlsx"), OWN_ORG),
    # own-data workbook (issue 12): who may view the organisation downloads all of it
    "actionplan:own_data": Case(own_data, OWN_ORG),
    "actionplan:plan_upload": Case(plan_sub("/upload/"), EDIT_OWN),
    "actionplan:import_job": Case(import_job(""), EDIT_OWN),
    "actionplan:import_marked": Case(import_job("errors.xlsx"), EDIT_OWN),
    "actionplan:import_retry": Case(
        import_job("retry/"), EDIT_OWN, method="post", ok_status=(302,)
    ),
    "actionplan:entry_row": Case(entry_sub(""), OWN_ORG),
    "actionplan:entry_edit": Case(entry_sub("edit/"), EDIT_OWN),
    "actionplan:entry_history": Case(entry_sub("history/", with_marker=False), OWN_ORG),
    "actionplan:advice_add": Case(
        plan_sub("/advice/"), ADVISE, method="post", data={"body": "助言です"}, ok_status=(200, 302)
    ),
    "actionplan:advice_acknowledge": Case(advice_acknowledge, EDIT_OWN, method="post"),
    "actionplan:system_add": Case(
        plan_sub("/systems/"),
        EDIT_OWN,
        method="post",
        data={"name": "独自システム"},
        ok_status=(200, 302),
    ),
    "actionplan:system_rename": Case(
        system_sub("rename/"), EDIT_OWN, method="post", data={"name": "新しい名前"}
    ),
    "actionplan:system_retire": Case(system_sub("retire/"), EDIT_OWN, method="post"),
    # documents
    "documents:index": Case(document_list, DOC_NAMED, list_roles=ALL_ROLES),
    "documents:detail": Case(document_sub(""), DOC_NAMED),
    "documents:download": Case(document_download, DOC_NAMED),
    "documents:create": Case(page("/documents/new/"), EDITORS),
    "documents:edit": Case(document_sub("edit/", with_marker=False), EDITORS),
    "documents:publish": Case(document_sub("publish", with_marker=False), EDITORS, method="post"),
    "documents:withdraw": Case(document_sub("withdraw", with_marker=False), EDITORS, method="post"),
    "documents:add_version": Case(
        document_sub("versions", with_marker=False), EDITORS, method="post"
    ),
    "documents:hide": Case(document_sub("hide", with_marker=False), EDITORS, method="post"),
    "documents:unhide": Case(document_sub("unhide", with_marker=False), EDITORS, method="post"),
    "documents:efforts": Case(effort_list, ANY_PAGE),
    "documents:share_effort": Case(page("/efforts/new/"), ANY_PAGE),
    "documents:announcements": Case(page("/announcements/"), ANY_PAGE),
    "documents:announcement_create": Case(page("/announcements/new/"), EDITORS),
    "documents:portal_pages": Case(page("/portal/"), ANY_PAGE),
    "documents:portal_create": Case(page("/portal/new/"), EDITORS),
    "documents:portal": Case(portal_page(""), ANY_PAGE),
    "documents:portal_edit": Case(portal_page("edit/"), EDITORS),
    "documents:announcement_edit": Case(announcement_edit, EDITORS),
    "documents:procedures": Case(page("/procedures/"), ANY_PAGE),
    "documents:procedures_xlsx": Case(page("/procedures/catalogue.xlsx"), ANY_PAGE),
    "documents:procedures_import": Case(page("/procedures/import/"), EDITORS),
    # FAQ and inquiries
    "faq:index": Case(faq_list, ANY_PAGE),
    "faq:suggest": Case(page("/faq/suggest/?q=年金"), ANY_PAGE),
    "faq:report": Case(page("/faq/report/"), EDITORS),
    "faq:export": Case(page("/faq/export.xlsx"), EDITORS),
    "faq:import": Case(page("/faq/import/"), EDITORS),
    "faq:create": Case(page("/faq/new/"), EDITORS),
    "faq:detail": Case(faq_sub(""), ANY_PAGE),
    "faq:vote": Case(faq_sub("vote/"), ANY_PAGE, method="post", ok_status=(200, 302)),
    "faq:edit": Case(faq_sub("edit/"), EDITORS),
    "faq:publish": Case(faq_sub("publish/"), EDITORS, method="post"),
    "faq:unpublish": Case(faq_sub("unpublish/"), EDITORS, method="post"),
    "faq:inquiries": Case(inquiry_list, INQUIRY, list_roles=ALL_ROLES),
    "faq:inquiry_new": Case(page("/inquiries/new/"), ANY_PAGE),
    "faq:inquiry_detail": Case(inquiry_sub(""), INQUIRY),
    "faq:inquiry_assign": Case(inquiry_sub("assign/", with_marker=False), EDITORS, method="post"),
    "faq:inquiry_answer": Case(inquiry_sub("answer/", with_marker=False), EDITORS, method="post"),
    "faq:inquiry_publish": Case(inquiry_sub("publish/", with_marker=False), EDITORS, method="post"),
    "faq:inquiry_close": Case(
        inquiry_sub("close/", with_marker=False), INQUIRY, method="post", ok_status=(302,)
    ),
    "faq:inquiry_attachment": Case(inquiry_attachment, INQUIRY),
    # review
    "review:index": Case(
        review_page("/review/"), ANY_PAGE, redirect_roles={"staff", "manager", "editor"}
    ),
    "review:late": Case(review_page("/review/late/"), REVIEWERS),
    "review:late_export": Case(review_page("/review/late.csv"), REVIEWERS),
    "review:late_export_job": Case(late_export_job(""), JOB_OWNER),
    "review:late_export_download": Case(late_export_job("download/"), JOB_OWNER),
    "review:late_export_retry": Case(
        late_export_job("retry/", state="failed"), JOB_OWNER, method="post"
    ),
    "review:prefecture": Case(review_prefecture, PREFECTURE_REVIEW),
    "review:organization": Case(review_drill_down, OWN_ORG),
    "review:follow_up_new": Case(review_org("follow-ups/new/"), ADVISE),
    "review:approve": Case(review_org("approve/"), MINISTRY_FOLLOW_UP),
    "review:check": Case(review_org("check/"), PREFECTURE_REVIEW),
    # 修正を報告: the organisation's own people who may edit its plan.
    "review:check_revised": Case(review_org("check/revised/"), EDIT_OWN, method="post"),
    "review:approval_acknowledge": Case(approval_acknowledge, EDIT_OWN, method="post"),
    "review:checks": Case(review_page("/review/checks/"), REVIEWERS),
    "review:follow_ups": Case(review_page("/review/follow-ups/"), ANY_PAGE),
    "review:follow_up": Case(follow_up, OWN_ORG),
    "review:report": Case(review_page("/review/report.xlsx"), REVIEWERS),
    # Assigned reviewers: the coordinator and the system administrator only.
    "review:assignments": Case(assignment_list, NOBODY | national()),
    "review:assignment_remove": Case(assignment_remove, NOBODY | national(), method="post"),
    # A prefecture lists its own organisations; the matrix programme's work item has no
    # bureau, so a reviewer's list is empty (200, nothing shown).
    # Reminders: a prefecture its municipalities (not itself), the coordinator every one.
    "review:remind": Case(
        remind,
        {**NOBODY, "pref_admin": {"own", "same_prefecture"}, **national(editor=())},
        method="post",
        data=lambda org: {"organizations": [org.code]},
    ),
    "review:not_started": Case(
        not_started_page,
        {"pref_admin": {"own", "same_prefecture"}, **national()},
        list_roles={"pref_admin", "reviewer", "coordinator", "admin"},
    ),
    # surveys (issue 16): respondents their own organisation's, the prefecture its
    # municipalities' (via the prefectures), the issuer (厚生労働省) its own, the coordinator
    # all (reading), the system administrator everything; content editors have no desk.
    "surveys:index": Case(survey_list, SURVEY_VIEW, list_roles=ALL_ROLES - {"editor"}),
    "surveys:create": Case(page("/surveys/new/"), SURVEY_ISSUER_PAGE),
    "surveys:detail": Case(survey_sub(""), SURVEY_VIEW),
    "surveys:edit": Case(survey_sub("edit/"), SURVEY_MANAGE),
    "surveys:publish": Case(survey_sub("publish", with_marker=False), SURVEY_MANAGE, method="post"),
    "surveys:copy": Case(survey_sub("copy", with_marker=False), SURVEY_TRACK, method="post"),
    "surveys:question_new": Case(survey_sub("questions/new/"), SURVEY_MANAGE),
    "surveys:question_edit": Case(survey_sub("questions/<question>/edit/"), SURVEY_MANAGE),
    "surveys:question_delete": Case(
        survey_sub("questions/<question>/delete", with_marker=False), SURVEY_MANAGE, method="post"
    ),
    "surveys:answer": Case(survey_answer(""), SURVEY_VIEW),
    "surveys:template_xlsx": Case(survey_answer("template.xlsx", with_marker=False), SURVEY_VIEW),
    "surveys:upload": Case(
        survey_answer("upload", with_marker=False), SURVEY_ANSWER, method="post"
    ),
    "surveys:reopen": Case(
        survey_answer("reopen", with_marker=False),
        SURVEY_MANAGE,
        method="post",
        data={"reopened": "1"},
    ),
    "surveys:send_back": Case(
        survey_answer("return", with_marker=False),
        SURVEY_RELAY,
        method="post",
        data={"comment": "確認してください"},
    ),
    "surveys:tracking": Case(survey_sub("tracking/"), SURVEY_TRACK),
    "surveys:remind": Case(survey_sub("remind", with_marker=False), SURVEY_MANAGE, method="post"),
    "surveys:relay": Case(survey_sub("relay/"), SURVEY_RELAY),
    "surveys:relay_template": Case(
        survey_sub("relay/template.xlsx", with_marker=False), SURVEY_RELAY
    ),
    "surveys:relay_upload": Case(
        survey_sub("relay/upload", with_marker=False), SURVEY_RELAY, method="post"
    ),
    "surveys:relay_remind": Case(
        survey_sub("relay/remind", with_marker=False), SURVEY_RELAY, method="post"
    ),
    "surveys:relay_confirm": Case(
        survey_sub("relay/confirm", with_marker=False), SURVEY_RELAY, method="post"
    ),
    "surveys:results": Case(survey_sub("results/"), SURVEY_TRACK),
    "surveys:results_xlsx": Case(
        survey_sub("results.xlsx", with_marker=False), SURVEY_TRACK, method="post"
    ),
    "surveys:results_csv": Case(survey_sub("results.csv", with_marker=False), SURVEY_TRACK),
}

# Patterns outside the matrix, each with the reason.
EXEMPT = {
    "healthz": "public by design: database and broker status, no tenant data",
    "set_language": "public: sets the language cookie",
    "activate": "the mailed token is the capability; tested in tests/accounts/test_issuance.py",
    "email_change_confirm": "the mailed token is the capability (and the account's own login); "
    "tests/accounts/test_email_identity.py",
    "allauth_email_closed": "404 for everyone; tests/accounts/test_email_identity.py",
    "documents:portal_remove": "editors only; tests/documents/test_portal_pages.py",
    "review:report_job": "a job is its requester's own; tests/review/test_reports.py",
    "review:report_retry": "a job is its requester's own; tests/review/test_report_jobs.py",
    "accounts:bulk_job": "a job is its issuer's own; tests/accounts/test_bulk_jobs.py",
    "accounts:bulk_retry": "a job is its issuer's own; tests/accounts/test_bulk_jobs.py",
    "faq:import_job": "a job is its requester's own; tests/faq/test_import_jobs.py",
    "faq:import_retry": "a job is its requester's own; tests/faq/test_import_jobs.py",
    "documents:procedures_import_job": "a job is its requester's own; "
    "tests/documents/test_import_jobs.py",
    "documents:procedures_import_retry": "a job is its requester's own; "
    "tests/documents/test_import_jobs.py",
    "surveys:marked_xlsx": "the uploader's own refused workbook, kept an hour in the cache; "
    "tests/surveys/test_sheets.py, tests/surveys/test_outsiders.py",
    "surveys:relay_marked": "the uploader's own refused workbook, kept an hour in the cache; "
    "tests/surveys/test_batch_sheets.py, tests/surveys/test_outsiders.py",
    "surveys:results_job": "a job is its requester's own; tests/surveys/test_exports.py",
    "surveys:results_retry": "a job is its requester's own; tests/surveys/test_exports.py",
    "review:open_data": "public by design: national aggregates, no organisation-level data; "
    "tests/review/test_reports.py",
}
# allauth's pages (login, MFA) and the Django admin (is_staff only, after allauth's login and
# the second factor) are not the portal's own tenancy.
THIRD_PARTY = ("django.contrib.admin", "allauth", "django.contrib.contenttypes")


def test_every_pattern_has_an_entry():
    missing = [
        name
        for name, module in own_patterns()
        if not module.startswith(THIRD_PARTY)
        and not name.startswith("admin:")
        and name not in CASES
        and name not in EXEMPT
    ]
    assert missing == [], f"URL patterns without a tenancy-matrix entry: {missing}"


@pytest.fixture
def world(world):
    """The accounts world and a content editor (of 総務省, a ministry)."""
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role
    from tests.factories import UserFactory

    world["editor"] = UserFactory(
        email="editor@soumu.go.jp", organization=world["mic"], role=Role.EDITOR
    )
    enrol_demo_totp(world["editor"])
    return world


def _client_for(world, role):
    from django.test import Client

    client = Client()
    if role != "anonymous":
        client.force_login(world[role])
    return client


def _body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("name", "role", "relation"), list(itertools.product(sorted(CASES), ROLES, OBJECTS))
)
def test_no_leak(world, name, role, relation):
    case = CASES[name]
    org = world[ORG_OF[relation]]
    marker = f"MARK{abs(hash((name, role, relation))) % 10**8:08d}"
    url, marker = case.build(world, org, marker)
    client = _client_for(world, role)
    data = case.data(org) if callable(case.data) else case.data
    response = getattr(client, case.method)(url, data)
    if role == "anonymous":
        assert response.status_code in (302, 404), (name, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response.url
        return
    allowed = relation in case.allowed.get(role, set())
    body = _body(response)
    if allowed:
        ok_status = case.ok_status or ((302,) if case.method == "post" else (200,))
        if role in case.redirect_roles:
            ok_status = (302,)
        assert response.status_code in ok_status, (name, role, relation, response.status_code)
        if marker:
            assert marker in body, (name, role, relation)
    elif role in case.list_roles:
        assert response.status_code == 200, (name, role, relation, response.status_code)
        assert marker not in body, f"LEAK: {name} shows {relation} data to {role}"
    else:
        assert response.status_code == 404, (name, role, relation, response.status_code)
        if marker:
            assert marker not in body, f"LEAK: {name} shows {relation} data to {role}"


# --- national roles: positive reach beyond one page (scope: issue 13) ---------------------------


@pytest.mark.parametrize("role", ["admin", "coordinator", "reviewer"])
def test_national_roles_open_every_organisations_plan_and_drill_down(world, role):
    client = _client_for(world, role)
    for relation in OBJECTS:
        org = world[ORG_OF[relation]]
        marker = f"REACH{role}{relation}"
        for build in (plan_page, review_drill_down):
            url, text = build(world, org, marker)
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            assert text in _body(response), (role, url)


def test_administrator_and_coordinator_see_the_same_late_list(world):
    from review.models import DelayFlag

    for relation in OBJECTS:
        _entry(world, world[ORG_OF[relation]], "LATE")  # 2015–2017 dates: all of it is late
    late = DelayFlag.objects.filter(resolved_at=None).count()
    assert late > 0
    for role in ("admin", "coordinator"):
        response = _client_for(world, role).get("/review/late/")
        assert response.status_code == 200
        assert response.context["page"].paginator.count == late, role
