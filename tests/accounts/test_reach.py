"""What each role reaches, by action × work item × organisation: allowed AND refused.

The table covers every role (system administrator, coordinator, a ministry reviewer of one
bureau, content editor, prefecture admin, account manager, municipal staff, anonymous), the
review writes (approve a later date, open a follow-up, write in a follow-up as the reviewing
side), the reads that depend on the work item (a delay flag, a follow-up) and the organisation
pages (plan, drill-down), over two work items (A: another ministry's; E: the reviewer's
bureau's) and three municipalities (札幌市 own, 函館市 same prefecture, 青森市 another).

An allowed write answers 302 and writes its row; a refused one answers 404 (302 to the login
page for anonymous), writes nothing, and leaves an "access denied" event in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from accounts import permissions
from accounts.models import AuditEvent
from accounts.roles import Role
from pmo.invalid import Invalid
from review.models import ApprovedException, DelayFlag, FollowUp, FollowUpNote
from tests.factories import FollowUpFactory, UserFactory, mark_published

ROLES = (
    "admin",
    "coordinator",
    "reviewer",
    "editor",
    "pref_admin",
    "manager",
    "staff",
    "anonymous",
)
ORGS = ("sapporo", "hakodate", "aomori")
WORK_ITEMS = ("A", "E")
EVERY_ORG = set(ORGS)
HOKKAIDO = {"sapporo", "hakodate"}
OWN = {"sapporo"}
NONE: set[str] = set()


def cells(orgs: set[str], work_items=WORK_ITEMS) -> set[tuple[str, str]]:
    return {(org, item) for org in orgs for item in work_items}


# (role, action) -> the (organisation, work item) cells that are allowed; the rest is refused.
# The reviewer (厚生労働省) is responsible for E only; A belongs to 総務省.
REVIEW_WRITES = {
    "admin": cells(EVERY_ORG),
    "coordinator": cells(EVERY_ORG),
    "reviewer": cells(EVERY_ORG, ("E",)),
    "editor": set(),
    "pref_admin": set(),
    "manager": set(),
    "staff": set(),
    "anonymous": set(),
}
FOLLOW_UP_WRITES = REVIEW_WRITES | {"pref_admin": cells(HOKKAIDO)}
# Writing in a follow-up: the reviewing side as above; the organisation answers its own.
NOTE_WRITES = FOLLOW_UP_WRITES | {"manager": cells(OWN), "staff": cells(OWN)}
READS = {
    "admin": cells(EVERY_ORG),
    "coordinator": cells(EVERY_ORG),
    "reviewer": cells(EVERY_ORG, ("E",)),
    "editor": set(),
    "pref_admin": cells(HOKKAIDO),
    "manager": cells(OWN),
    "staff": cells(OWN),
    "anonymous": set(),
}
# Pages of the whole organisation (no work item): who opens them with 200.
ORG_PAGES = {
    "admin": EVERY_ORG,
    "coordinator": EVERY_ORG,
    "reviewer": EVERY_ORG,
    "editor": NONE,
    "pref_admin": HOKKAIDO,
    "manager": OWN,
    "staff": OWN,
    "anonymous": NONE,
}

WRITES = {"approve": REVIEW_WRITES, "open_follow_up": FOLLOW_UP_WRITES, "note": NOTE_WRITES}
TABLE = list(itertools.product(ROLES, WRITES, ORGS, WORK_ITEMS))  # 8 × 3 × 3 × 2 = 144 cells


@pytest.fixture
def reach(world):
    """The accounts world plus an editor and a two-work-item programme whose entries are
    all late (so every organisation × work item has delay flags)."""
    from accounts.demo import enrol_demo_totp
    from actionplan import publishing, services

    world["editor"] = UserFactory(
        email="editor@example.go.jp", organization=world["mic"], role=Role.EDITOR
    )
    enrol_demo_totp(world["editor"])
    programme = services.load_programme(
        {
            "name": "到達範囲",
            "starts_on": dt.date(2015, 1, 1),
            "ends_on": dt.date(2017, 12, 31),
            "plan_deadline": dt.date(2015, 6, 30),
            "work_items": [
                {
                    "code": "A",
                    "name": "計画・準備",
                    "bureaus": ["mic"],
                    "tasks": [{"name": "広報", "milestones": [{"due_on": dt.date(2016, 1, 1)}]}],
                },
                {
                    "code": "E",
                    "name": "番号利用事務移行",
                    "bureaus": ["mhlw"],
                    "tasks": [
                        {"name": "業務定義", "milestones": [{"due_on": dt.date(2016, 1, 1)}]}
                    ],
                },
            ],
        }
    )
    mark_published(programme)  # pages show only published programmes to all but the admin
    for org in ORGS:
        publishing.ensure_entries(world[org], programme)
    world["programme"] = programme
    world["work_items"] = {item.code: item for item in programme.work_items.all()}
    world["tasks"] = {item.code: item.tasks.get() for item in programme.work_items.all()}
    return world


def _client(world, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world[role])
    return client


def _follow_up(world, org, item) -> FollowUp:
    """A follow-up on ``item`` for ``org``, opened by the coordinator."""
    coordinator = world["coordinator"]
    return FollowUpFactory(
        organization=world[org],
        programme=world["programme"],
        work_item=world["work_items"][item],
        opened_by=coordinator,
        opened_by_organization=coordinator.organization,
    )


def _write(world, client, action, org, item):
    """POST the action; returns (response, rows written)."""
    code = world[org].code
    if action == "approve":
        response = client.post(
            f"/review/orgs/{code}/approve/",
            {
                "task": world["tasks"][item].pk,
                "approved_until": "2030-03-31",
                "reason": "custom_built",
            },
        )
        return response, ApprovedException.objects.count()
    if action == "open_follow_up":
        due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
        response = client.post(
            f"/review/orgs/{code}/follow-ups/new/",
            {
                "cause": "vendor",
                "actions": "ベンダーと協議",
                "due_on": due,
                "work_item": world["work_items"][item].pk,
            },
        )
        return response, FollowUp.objects.count()
    follow_up = _follow_up(world, org, item)
    response = client.post(f"/review/follow-ups/{follow_up.pk}/", {"body": "記録です"})
    return response, FollowUpNote.objects.count()


@pytest.mark.parametrize(("role", "action", "org", "item"), TABLE)
def test_write_is_allowed_exactly_where_the_table_says(reach, role, action, org, item):
    allowed = (org, item) in WRITES[action][role]
    denials = AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_DENIED).count()
    response, written = _write(reach, _client(reach, role), action, org, item)
    if allowed:
        assert response.status_code == 302, (role, action, org, item, response.status_code)
        assert written == 1, (role, action, org, item)
        assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_DENIED).count() == denials
        return
    assert written == 0, f"REFUSED WRITE SAVED: {role} {action} {org}/{item}"
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response.url
        return
    assert response.status_code == 404, (role, action, org, item, response.status_code)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_DENIED).count() == denials + 1


@pytest.mark.parametrize("role", ROLES)
def test_reads_by_work_item_and_organisation(reach, role):
    """The delay flags and follow-ups a role may read, cell by cell (through the one door and
    through the follow-up page)."""
    user = reach.get(role)
    client = _client(reach, role)
    seen_flags, seen_pages = set(), set()
    for org in ORGS:
        for item in WORK_ITEMS:
            flag = DelayFlag.objects.filter(
                organization=reach[org], work_item=reach["work_items"][item]
            ).first()
            assert flag is not None  # every cell has a delay to see (or not)
            if user and permissions.can(user, permissions.VIEW, flag):
                seen_flags.add((org, item))
            follow_up = _follow_up(reach, org, item)
            status = client.get(f"/review/follow-ups/{follow_up.pk}/").status_code
            assert status in (200, 404) or role == "anonymous", status
            if status == 200:
                seen_pages.add((org, item))
    assert seen_flags == READS[role]
    assert seen_pages == READS[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["/orgs/{code}/plan/", "/review/orgs/{code}/"])
def test_organisation_pages_open_for_exactly_those_in_reach(reach, role, page):
    client = _client(reach, role)
    opened = set()
    for org in ORGS:
        response = client.get(page.format(code=reach[org].code))
        if role == "anonymous":
            assert response.status_code == 302
            continue
        assert response.status_code in (200, 404), (org, response.status_code)
        if response.status_code == 200:
            opened.add(org)
    assert opened == ORG_PAGES[role]


def test_the_table_has_a_row_for_every_role(reach):
    """A new role must get its row in these tables."""
    assert {reach[role].role for role in ROLES if role != "anonymous"} == set(Role)


# --- Finding: the administrator's "everything" was narrowed to their (absent) grants ---------


def test_administrator_reaches_every_organisation_even_with_a_grant(reach):
    from guardian.shortcuts import assign_perm

    from orgs.models import Organization

    admin = reach["admin"]
    every = set(Organization.objects.values_list("pk", flat=True))
    for action in (permissions.VIEW, permissions.FOLLOW_UP, permissions.ADVISE):
        assert set(permissions.organizations(admin, action).values_list("pk", flat=True)) == every
    # A grant on one organisation adds to a rule; it must never narrow "everything" to itself.
    assign_perm("orgs.follow_up", admin, reach["sapporo"])
    assert set(permissions.organizations(admin).values_list("pk", flat=True)) == every
    assert permissions.EVERYTHING | Q(pk=-1) != Q(pk=-1)


def test_administrator_visits_are_not_recorded_as_denials(reach):
    client = _client(reach, "admin")
    for org in ORGS:
        code = reach[org].code
        assert client.get(f"/orgs/{code}/plan/").status_code == 200
        assert client.get(f"/review/orgs/{code}/").status_code == 200
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_DENIED).exists()


def test_late_list_shows_the_administrator_what_it_shows_the_coordinator(reach):
    counts = {}
    for role in ("admin", "coordinator"):
        response = _client(reach, role).get("/review/late/")
        counts[role] = response.context["page"].paginator.count
    assert (
        counts["admin"]
        == counts["coordinator"]
        == DelayFlag.objects.filter(resolved_at=None).count()
    )
    assert counts["admin"] > 0


# --- Finding: a reviewer's bureau scope held for reads but not for writes --------------------


def test_reviewer_forms_offer_only_the_work_items_of_their_bureau(reach):
    client = _client(reach, "reviewer")
    code = reach["aomori"].code
    approve = client.get(f"/review/orgs/{code}/approve/")
    assert {task.work_item.code for task in approve.context["form"].fields["task"].queryset} == {
        "E"
    }
    assert "広報" not in approve.content.decode()
    new = client.get(f"/review/orgs/{code}/follow-ups/new/")
    field = new.context["form"].fields["work_item"]
    assert [item.code for item in field.queryset] == ["E"]
    assert field.required  # "no work item" would be every work item
    # The coordinator is offered every work item, and may leave it empty.
    coordinator = _client(reach, "coordinator").get(f"/review/orgs/{code}/follow-ups/new/")
    field = coordinator.context["form"].fields["work_item"]
    assert [item.code for item in field.queryset] == ["A", "E"] and not field.required


def test_reviewer_post_naming_another_bureaus_task_is_refused_and_audited(reach):
    client = _client(reach, "reviewer")
    response = client.post(
        f"/review/orgs/{reach['aomori'].code}/approve/",
        {"task": reach["tasks"]["A"].pk, "approved_until": "2030-03-31", "reason": "custom_built"},
    )
    assert response.status_code == 404
    assert not ApprovedException.objects.exists()
    denial = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCESS_DENIED)
    assert denial.actor_email == reach["reviewer"].email
    assert "approve" in denial.detail
    # Its own bureau's task goes through.
    response = client.post(
        f"/review/orgs/{reach['aomori'].code}/approve/",
        {"task": reach["tasks"]["E"].pk, "approved_until": "2030-03-31", "reason": "custom_built"},
    )
    assert response.status_code == 302
    assert ApprovedException.objects.get().task == reach["tasks"]["E"]


def test_reviewer_follow_up_without_a_work_item_asks_for_one(reach):
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = _client(reach, "reviewer").post(
        f"/review/orgs/{reach['sapporo'].code}/follow-ups/new/",
        {"cause": "vendor", "actions": "協議", "due_on": due},
    )
    assert response.status_code == 200
    assert "作業項目を選んでください。" in response.content.decode()
    assert not FollowUp.objects.exists()


# --- Finding: filter drop-downs ignored permissions (late list) ------------------------------


def test_late_list_filter_offers_only_what_the_user_reviews(reach):
    reviewer = _client(reach, "reviewer").get("/review/late/")
    form = reviewer.context["filter"].form
    assert [item.code for item in form.fields["work_item"].queryset] == ["E"]
    pref_admin = _client(reach, "pref_admin").get("/review/late/")
    form = pref_admin.context["filter"].form
    assert [org.name for org in form.fields["prefecture"].queryset] == ["北海道"]
    assert "青森県" not in pref_admin.content.decode()
    admin = _client(reach, "admin").get("/review/late/")
    assert {org.name for org in admin.context["filter"].form.fields["prefecture"].queryset} == {
        "北海道",
        "青森県",
    }


def test_services_refuse_another_bureaus_work_item_whoever_calls_them(reach):
    """The write services repeat the door's check, for callers other than the views."""
    from review import workflow

    reviewer, aomori = reach["reviewer"], reach["aomori"]
    with pytest.raises(Invalid) as refused:
        workflow.approve(
            reviewer, aomori, reach["tasks"]["A"], dt.date(2030, 3, 31), "custom_built"
        )
    assert "task" in refused.value.errors
    with pytest.raises(Invalid):
        workflow.open_follow_up(
            reviewer,
            aomori,
            reach["programme"],
            cause="vendor",
            actions="協議",
            due_on=dt.date(2030, 3, 31),
            work_item=reach["work_items"]["A"],
        )
    assert not ApprovedException.objects.exists() and not FollowUp.objects.exists()
    workflow.approve(reviewer, aomori, reach["tasks"]["E"], dt.date(2030, 3, 31), "custom_built")
    assert ApprovedException.objects.get().task == reach["tasks"]["E"]
