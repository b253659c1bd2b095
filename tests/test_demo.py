from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_ACCOUNTS
from accounts.models import User
from accounts.roles import Role
from pmo.text import display_width


@pytest.mark.django_db
def test_demo_accounts_one_per_role_idempotent(organizations, capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert User.objects.count() == len(DEMO_ACCOUNTS) == 9
    assert set(User.objects.values_list("role", flat=True)) == set(Role)
    assert "sapporo@demo.example" in out and "password" in out
    sapporo = User.objects.get(email="sapporo@demo.example")
    assert sapporo.organization.full_name == "北海道 札幌市"
    assert sapporo.check_password("pmo-demo-2015")
    # The login table lines up in a terminal although roles are full-width Japanese.
    starts = set()
    for user in User.objects.select_related("organization"):
        line = next(line for line in out.splitlines() if f" {user.email} " in line)
        starts.add(display_width(line[: line.rindex(user.organization.full_name)]))
    assert len(starts) == 1, starts


@pytest.mark.django_db
def test_demo_refuses_production(settings, organizations):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_needs_the_organisations():
    with pytest.raises(CommandError, match="load_organizations"):
        call_command("load_demo")
