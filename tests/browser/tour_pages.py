"""The main pages of the portal, from the URL resolver: what the screen tour opens as every role.

Every named URL pattern of the project's own apps is either a main page here (``MAIN_PAGES``:
how to build its address from the demo data, for the person touring) or listed in
``NOT_PAGES`` with the reason it is no page of its own (a download, a POST, an htmx fragment).
A pattern in neither fails ``tests/test_tour_pages.py``, so a new page cannot be left out.

Pages about one organisation show the touring person's own organisation when it has a plan
(札幌市, 函館市, 青森市), otherwise 札幌市: a ministry's or a prefecture's person reaches 札幌市,
a municipality's staff do not reach the national pages and get the 404 page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, URLResolver, get_resolver

SAPPORO = "011002"


def own_patterns() -> list[tuple[str, str]]:
    """(name, view module) of every named pattern of the project, namespaced."""

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, pattern.callback.__module__

    return sorted(set(walk(get_resolver().url_patterns)))


# allauth's pages are toured by their own tests (test_screens_tour.py); the admin is Django's.
THIRD_PARTY = ("django.contrib.", "allauth.")


def portal_patterns() -> list[str]:
    return [
        name
        for name, module in own_patterns()
        if not module.startswith(THIRD_PARTY) and not name.startswith("admin:")
    ]


# --- what a page is about, for the person touring ---------------------------------------------
def subject(user):
    """The organisation a page is about: the person's own when it has a plan, else 札幌市."""
    from actionplan.models import PlanEntry
    from orgs.models import Organization

    if PlanEntry.objects.filter(organization=user.organization).exists():
        return user.organization
    return Organization.objects.get(code=SAPPORO)


def _prefecture(user) -> str:
    """The person's own prefecture (a prefecture's admin), else the subject's."""
    org = user.organization if user.organization.kind == "prefecture" else subject(user)
    return org.code if org.kind == "prefecture" else org.prefecture.code


def _entry(user):
    from actionplan.models import PlanEntry

    return PlanEntry.objects.filter(organization=subject(user)).order_by("pk").first()


def _account(user):
    from accounts.models import User

    return User.objects.filter(organization=subject(user)).order_by("pk").first()


def _document(user):
    from documents.models import Audience, Document, Kind, Status

    return (
        Document.objects.filter(
            kind=Kind.DOCUMENT, status=Status.PUBLISHED, audience=Audience.EVERYONE
        )
        .order_by("pk")
        .first()
    )


def _faq(user):
    from faq.models import FAQ

    return FAQ.objects.filter(is_published=True).order_by("number").first()


def _inquiry(user):
    from faq.models import Inquiry

    own = Inquiry.objects.filter(organization=subject(user)).order_by("pk").first()
    return own or Inquiry.objects.order_by("pk").first()


def _follow_up(user):
    from review.models import FollowUp

    own = FollowUp.objects.filter(organization=subject(user)).order_by("pk").first()
    return own or FollowUp.objects.order_by("pk").first()


def _portal_page(user):
    from documents.models import PortalPage

    return PortalPage.objects.filter(is_published=True).order_by("pk").first()


def _announcement(user):
    from documents.models import Announcement

    return Announcement.objects.order_by("pk").first()


def _survey(user):
    from surveys.models import Survey

    return Survey.objects.order_by("pk").first()


def survey(suffix: str) -> Callable:
    return lambda user: f"/surveys/{_survey(user).pk}/{suffix}"


def fixed(url: str) -> Callable:
    return lambda user: url


def org(suffix: str) -> Callable:
    return lambda user: f"/orgs/{subject(user).code}/{suffix}"


def review_org(suffix: str) -> Callable:
    return lambda user: f"/review/orgs/{subject(user).code}/{suffix}"


MAIN_PAGES: dict[str, Callable] = {
    "top": fixed("/"),
    "own_settings": fixed("/settings/"),
    # 管理
    "accounts:hub": fixed("/manage/"),
    "accounts:manage": fixed("/manage/accounts/"),
    "accounts:new": fixed("/manage/accounts/new/"),
    "accounts:bulk": fixed("/manage/accounts/bulk/"),
    "accounts:detail": lambda user: f"/manage/accounts/{_account(user).pk}/",
    "accounts:email": lambda user: f"/manage/accounts/{_account(user).pk}/email/",
    "accounts:domains": fixed("/manage/domains/"),
    "accounts:domain_edit": lambda user: f"/manage/domains/{subject(user).code}/",
    "accounts:audit": fixed("/manage/audit/"),
    # the plan
    "actionplan:plan": org("plan/"),
    "actionplan:plan_upload": org("plan/upload/"),
    "actionplan:entry_edit": lambda user: (
        f"/orgs/{subject(user).code}/plan/entries/{_entry(user).pk}/edit/"
    ),
    # documents, efforts, announcements, portal pages, procedures
    "documents:index": fixed("/documents/"),
    "documents:create": fixed("/documents/new/"),
    "documents:detail": lambda user: f"/documents/{_document(user).pk}/",
    "documents:edit": lambda user: f"/documents/{_document(user).pk}/edit/",
    "documents:efforts": fixed("/efforts/"),
    "documents:share_effort": fixed("/efforts/new/"),
    "documents:announcements": fixed("/announcements/"),
    "documents:announcement_create": fixed("/announcements/new/"),
    "documents:announcement_edit": lambda user: f"/announcements/{_announcement(user).pk}/edit/",
    "documents:portal_pages": fixed("/portal/"),
    "documents:portal_create": fixed("/portal/new/"),
    "documents:portal": lambda user: f"/portal/{_portal_page(user).slug}/",
    "documents:portal_edit": lambda user: f"/portal/{_portal_page(user).slug}/edit/",
    "documents:procedures": fixed("/procedures/"),
    "documents:procedures_import": fixed("/procedures/import/"),
    # FAQ and inquiries
    "faq:index": fixed("/faq/"),
    "faq:report": fixed("/faq/report/"),
    "faq:import": fixed("/faq/import/"),
    "faq:create": fixed("/faq/new/"),
    "faq:detail": lambda user: f"/faq/{_faq(user).number}/",
    "faq:edit": lambda user: f"/faq/{_faq(user).number}/edit/",
    "faq:inquiries": fixed("/inquiries/"),
    "faq:inquiry_new": fixed("/inquiries/new/"),
    "faq:inquiry_detail": lambda user: f"/inquiries/{_inquiry(user).pk}/",
    # 進捗確認
    "review:index": fixed("/review/"),
    "review:late": fixed("/review/late/"),
    "review:prefecture": lambda user: f"/review/prefectures/{_prefecture(user)}/",
    "review:organization": review_org(""),
    "review:follow_up_new": review_org("follow-ups/new/"),
    "review:approve": review_org("approve/"),
    "review:check": review_org("check/"),
    "review:checks": fixed("/review/checks/"),
    "review:follow_ups": fixed("/review/follow-ups/"),
    "review:follow_up": lambda user: f"/review/follow-ups/{_follow_up(user).pk}/",
    "review:not_started": fixed("/review/not-started/"),
    "review:assignments": fixed("/review/assignments/"),
    # 照会・調査
    "surveys:index": fixed("/surveys/"),
    "surveys:create": fixed("/surveys/new/"),
    "surveys:detail": survey(""),
    "surveys:edit": survey("edit/"),
    "surveys:question_new": survey("questions/new/"),
    "surveys:question_edit": lambda user: (
        f"/surveys/{_survey(user).pk}/questions/{_survey(user).questions.first().pk}/edit/"
    ),
    "surveys:answer": lambda user: f"/surveys/{_survey(user).pk}/answers/{subject(user).code}/",
    "surveys:tracking": survey("tracking/"),
    "surveys:relay": survey("relay/"),
    "surveys:results": survey("results/"),
}

# Other views of a main page that look different enough to be toured as well.
VARIANTS: dict[str, Callable] = {
    "review:late?by=org": fixed("/review/late/?by=org"),
}

DOWNLOAD = "a download (xlsx/csv), no page"
POST = "a POST that answers with a redirect or a fragment, no page of its own"
FRAGMENT = "an htmx fragment of the plan page (toured inside it)"
JOB = "a job's progress page, its requester's own after an upload: the demo starts no job"
NOT_PAGES: dict[str, str] = {
    "healthz": "a health check for the load balancer (JSON)",
    "set_language": "the language switch (a POST)",
    "activate": "the mailed link's password page: toured in test_accounts_journey",
    "email_change_confirm": "the mailed link's confirmation: tests/accounts/test_email_identity.py",
    "allauth_email_closed": "answers 404 for everyone",
    "accounts:bulk_template": DOWNLOAD,
    "accounts:bulk_job": JOB,
    "accounts:bulk_retry": POST,
    "accounts:action": POST,
    "accounts:audit_export": DOWNLOAD,
    "actionplan:plan_xlsx": DOWNLOAD,
    "actionplan:own_data": DOWNLOAD,
    "actionplan:import_job": JOB,
    "actionplan:import_retry": POST,
    "actionplan:import_marked": DOWNLOAD,
    "actionplan:entry_row": FRAGMENT,
    "actionplan:entry_history": FRAGMENT,
    "actionplan:advice_add": POST,
    "actionplan:advice_acknowledge": POST,
    "actionplan:system_rename": POST,
    "actionplan:system_retire": POST,
    "review:assignment_remove": POST,
    "review:check_revised": POST,
    "review:approval_acknowledge": POST,
    "review:remind": POST,
    "actionplan:system_add": POST,
    "documents:publish": POST,
    "documents:withdraw": POST,
    "documents:add_version": POST,
    "documents:hide": POST,
    "documents:unhide": POST,
    "documents:download": DOWNLOAD,
    "documents:portal_remove": POST,
    "documents:procedures_xlsx": DOWNLOAD,
    "documents:procedures_import_job": JOB,
    "documents:procedures_import_retry": POST,
    "faq:suggest": "the htmx suggestions under the inquiry form (toured inside it)",
    "faq:export": DOWNLOAD,
    "faq:import_job": JOB,
    "faq:import_retry": POST,
    "faq:vote": POST,
    "faq:publish": POST,
    "faq:unpublish": POST,
    "faq:inquiry_assign": POST,
    "faq:inquiry_answer": POST,
    "faq:inquiry_close": POST,
    "faq:inquiry_publish": POST,
    "faq:inquiry_attachment": DOWNLOAD,
    "review:late_export": DOWNLOAD,
    "review:late_export_job": JOB,
    "review:late_export_download": DOWNLOAD,
    "review:late_export_retry": POST,
    "review:report": DOWNLOAD,
    "review:report_job": JOB,
    "review:report_retry": POST,
    "review:open_data": DOWNLOAD,
    "surveys:publish": POST,
    "surveys:copy": POST,
    "surveys:question_delete": POST,
    "surveys:reopen": POST,
    "surveys:send_back": POST,
    "surveys:remind": POST,
    "surveys:relay_remind": POST,
    "surveys:relay_confirm": POST,
    "surveys:results_xlsx": POST,
    "surveys:template_xlsx": DOWNLOAD,
    "surveys:upload": POST,
    "surveys:relay_template": DOWNLOAD,
    "surveys:relay_upload": POST,
    "surveys:relay_marked": DOWNLOAD,
    "surveys:marked_xlsx": DOWNLOAD,
    "surveys:results_csv": DOWNLOAD,
    "surveys:results_job": JOB,
    "surveys:results_retry": POST,
}


def tour_for(user) -> list[tuple[str, str]]:
    """(page name, address) of every main page and variant, for this person."""
    pages = {**MAIN_PAGES, **VARIANTS}
    return [(name, build(user)) for name, build in pages.items()]
