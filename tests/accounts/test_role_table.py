"""The role table (accounts/role_table.py, read by accounts/permissions.py) is the one place
that knows roles.

The tables below are written out by hand: a change to the role table fails here until the
change is written here too, so nobody widens a role by accident. And no file outside
accounts/ reads ``.role``: the other apps ask the door (``can(user, ROUTE_CHECKS)``,
``organizations(user, action)``, ``survey_reach``…), never the role itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts import permissions as p
from accounts import role_table
from accounts.models import User
from accounts.roles import Role

# Columns: the roles, in rank order.
COLUMNS = {
    "staff": Role.STAFF,
    "manager": Role.ACCOUNT_MANAGER,
    "pref": Role.PREFECTURE_ADMIN,
    "reviewer": Role.REVIEWER,
    "editor": Role.EDITOR,
    "coord": Role.COORDINATOR,
    "admin": Role.SYSADMIN,
}

# Global actions: x = may, . = may not.
GLOBAL = """
                     staff manager pref reviewer editor coord admin
review                 .     .      x     x       .      x     x
view_audit             .     x      x     .       .      .     x
manage_accounts        .     x      x     .       .      .     x
set_mail_domains       .     .      x     .       .      .     x
grant_access           .     .      x     .       .      .     x
edit_content           .     .      .     .       x      .     x
read_every_audience    .     .      .     x       .      x     .
remind                 .     .      x     .       .      x     x
assign_reviewers       .     .      .     .       .      x     x
be_assigned            .     .      .     x       .      .     .
issue_surveys          .     .      x     x       .      x     x
survey_desk            x     x      x     x       .      x     x
prepare_programmes     .     .      .     .       .      .     x
approve                .     .      .     x       .      x     x
check_plans            .     .      .     x       .      x     x
route_checks           .     .      .     .       .      x     x
answer_as_ministry     .     .      .     x       .      .     .
own_settings           x     x      x     x       x      x     x
"""

# Organisation actions: own, muni (its municipalities), pref (own + its municipalities),
# local (every local government), own+local, all, - (nothing). "anything else" is any
# action the table does not name.
ORGANIZATION = """
                     staff manager pref  reviewer   editor coord      admin
view                 own   own     pref  own+local  own    own+local  all
edit_plan            own   own     own   -          -      -          own
advise               -     -       muni  local      -      local      all
follow_up            -     -       muni  local      -      local      all
remind               -     -       muni  -          -      local      all
manage_accounts      -     own     pref  -          -      -          all
set_mail_domains     -     -       pref  -          -      -          all
view_audit           -     -       -     -          -      -          all
anything_else        -     -       -     -          -      -          all
"""

# Surveys (own: issued by or sent to its organisation; pref: and relayed via it).
SURVEYS = """
                     staff manager pref  reviewer   editor coord      admin
manage_survey        -     -       own   own        -      own        all
track_survey         -     -       own   own        -      all        all
view                 own   own     pref  own        own    all        all
answer_survey        -     -       -     -          -      -          all
anything_else        -     -       -     -          -      -          all
"""

# Survey responses (own: its organisation's; muni: its municipalities' via the prefecture).
RESPONSES = """
                     staff manager pref  reviewer   editor coord      admin
answer_survey        own   own     own   own        own    own        own
relay_survey         -     -       muni  -          -      -          -
view                 own   own     pref  own        own    own        all
anything_else        -     -       -     -          -      -          -
"""

# The national picture (進捗確認) and the work items each role acts on.
NATIONAL = """
                     staff manager pref  reviewer   editor coord      admin
national             -     -       pref  all        -      all        all
work_items           all   all     all   bureau     all    all        all
"""

# Who is told (notices and mails), among the people of the organisation concerned.
TOLD = """
                     staff manager pref reviewer editor coord admin
plan_side              x     x      x     .       .      .     .
follow_up_readers      .     .      x     x       .      x     x
ministry_reviewers     .     .      .     x       .      .     .
own_late               x     x      .     .       .      .     .
municipalities_late    .     .      x     .       .      .     .
"""

WORDS = {
    "own": role_table.Reach.OWN,
    "muni": role_table.Reach.MUNICIPALITIES,
    "pref": role_table.Reach.PREFECTURE,
    "local": role_table.Reach.LOCAL,
    "own+local": role_table.Reach.OWN_AND_LOCAL,
    "bureau": role_table.Reach.BUREAU,
    "all": role_table.Reach.ALL,
    "-": role_table.Reach.NONE,
}


def parse(table: str) -> dict[str, dict[Role, str]]:
    header, *lines = [line.split() for line in table.strip().splitlines()]
    assert [COLUMNS[name] for name in header] == list(Role), "columns: every role, in order"
    return {row[0]: dict(zip(list(Role), row[1:], strict=True)) for row in lines}


def person(role: Role) -> User:
    return User(role=role, is_active=True, organization_id=None)


def test_global_actions():
    expected = {
        action: {role for role, mark in row.items() if mark == "x"}
        for action, row in parse(GLOBAL).items()
    }
    assert expected.keys() == role_table.GLOBAL.keys(), (
        "every global action of the table is written here"
    )
    for action, roles in expected.items():
        for role in Role:
            assert p.can(person(role), action) is (role in roles), (action, role)
            assert p.holds(person(role), action) is (role in roles), (action, role)
    assert not p.can(person(Role.STAFF), "an_action_nobody_named")


def test_who_is_told():
    expected = {
        kind: sorted(role for role, mark in row.items() if mark == "x")
        for kind, row in parse(TOLD).items()
    }
    assert expected.keys() == role_table.TOLD.keys()
    for kind, roles in expected.items():
        assert p.told(kind).children == [("role__in", roles)], kind


def test_global_actions_need_an_active_account_but_holds_does_not():
    stopped = User(role=Role.REVIEWER, is_active=False)
    assert not p.can(stopped, p.BE_ASSIGNED)
    assert p.holds(stopped, p.BE_ASSIGNED)
    assert p.can(stopped, p.OPEN_DATA)  # public


def test_holders_is_the_same_set_as_a_query():
    where = p.holders(p.APPROVE, prefix="user__")
    assert where.children == [("user__role__in", ["coordinator", "reviewer", "sysadmin"])]


@pytest.mark.parametrize(
    ("table", "reach"),
    [
        (ORGANIZATION, p.organization_reach),
        (SURVEYS, p.survey_reach),
        (RESPONSES, p.response_reach),
    ],
    ids=["organizations", "surveys", "responses"],
)
def test_reach_tables(table, reach):
    rows = parse(table)
    for action, row in rows.items():
        name = "something_no_table_names" if action == "anything_else" else action
        for role, word in row.items():
            assert reach(person(role), name) == WORDS[word], (action, role)


def test_every_action_of_the_reach_tables_is_written_here():
    assert set(role_table.ORGANIZATION) <= set(parse(ORGANIZATION))
    assert set(role_table.SURVEYS) <= set(parse(SURVEYS))
    assert set(role_table.RESPONSES) <= set(parse(RESPONSES))


def test_national_picture_and_work_items():
    rows = parse(NATIONAL)
    for role, word in rows["national"].items():
        assert role_table.NATIONAL.get(role, role_table.Reach.NONE) == WORDS[word], role
        prefecture = p.national_prefecture_id(User(role=role, organization_id=7))
        assert prefecture == (7 if word == "pref" else None), role
    for role, word in rows["work_items"].items():
        assert role_table.WORK_ITEMS[role] == WORDS[word], role
    # A prefecture admin without an organisation sees no prefecture, never the country.
    assert p.national_prefecture_id(User(role=Role.PREFECTURE_ADMIN)) == -1


def test_may_act_on_never_oneself_never_above():
    pref = User(pk=1, role=Role.PREFECTURE_ADMIN, is_active=True)
    assert p.may_act_on(pref, User(pk=2, role=Role.STAFF))
    assert p.may_act_on(pref, User(pk=2, role=Role.PREFECTURE_ADMIN))
    assert not p.may_act_on(pref, User(pk=2, role=Role.REVIEWER))
    assert not p.may_act_on(pref, pref)


# --- Nobody outside accounts/ reads the role -------------------------------------------------

ROLE_READ = re.compile(r"\.role\b")
SKIPPED = {".venv", ".git", "node_modules", "accounts", "tests", "var", "static", "media"}


def role_reads(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in SKIPPED or path.suffix not in (".py", ".html"):
            continue
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_READ.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_role_read_outside_accounts():
    assert role_reads(Path(settings.BASE_DIR)) == []


def test_the_check_finds_a_role_read(tmp_path):
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "views.py").write_text("if user.role == 'reviewer':\n    pass\n")
    (tmp_path / "review" / "page.html").write_text('{% if user.role == "sysadmin" %}')
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "permissions.py").write_text("user.role\n")
    (tmp_path / "review" / "fine.py").write_text("user.roles; user.role_name; get_role_display\n")
    assert role_reads(tmp_path) == [
        'review/page.html:1: {% if user.role == "sysadmin" %}',
        "review/views.py:1: if user.role == 'reviewer':",
    ]


def test_only_the_door_reads_the_role_table():
    """Everyone else names actions through ``accounts.permissions`` (which passes them on)."""
    readers = [
        str(path.relative_to(settings.BASE_DIR))
        for path in sorted(Path(settings.BASE_DIR).rglob("*.py"))
        if not ({".venv", "tests", "var", "node_modules"} & set(path.parts))
        and "role_table" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["accounts/permissions.py", "accounts/role_table.py"]
