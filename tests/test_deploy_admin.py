"""``manage.py create_admin``: the first system administrator of a new installation."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.urls import reverse

from accounts.models import AuditEvent, User
from accounts.roles import Role
from tests.factories import MinistryFactory, PrefectureFactory, UserFactory

PASSWORD = "first-admin-passphrase-2015"


@pytest.fixture
def cas_number(db):
    cas = MinistryFactory(code="cas", name="内閣官房")
    return MinistryFactory(code="cas-number", name="番号制度推進室", parent=cas)


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)


def run(*argv: str) -> int:
    """The command as an operator runs it (errors printed, not raised): its exit status.

    ``run_from_argv`` closes every database connection when it ends, which on Postgres would
    close the test's own transaction; here the connection is kept."""
    from unittest import mock

    try:
        with mock.patch("django.db.connections.close_all"):
            execute_from_command_line(["manage.py", "create_admin", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_creates_a_usable_sysadmin_in_the_cabinet_secretariat(cas_number, password_env, capsys):
    call_command("create_admin", "--email", "Admin@Example.GO.JP", "--name", "管理 一郎")
    user = User.objects.get()
    assert (user.email, user.display_name, user.role) == (
        "admin@example.go.jp",
        "管理 一郎",
        Role.SYSADMIN,
    )
    assert user.organization == cas_number
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.activated_at is not None and user.check_password(PASSWORD)
    assert not user.invitations.exists()
    event = AuditEvent.objects.get(target_user=user)
    assert (event.kind, event.detail) == (AuditEvent.Kind.ISSUED, "manage.py create_admin")
    assert "Two-factor" in capsys.readouterr().out


def test_first_login_works_and_requires_two_factor_enrolment(cas_number, password_env, client):
    call_command("create_admin", "--email", "admin@example.go.jp")
    response = client.post(
        "/accounts/login/", {"login": "admin@example.go.jp", "password": PASSWORD}
    )
    assert response.status_code == 302
    top = client.get("/")
    assert top.status_code == 302 and top.url == reverse("mfa_activate_totp")


def test_password_from_a_file(cas_number, monkeypatch, tmp_path):
    secret = tmp_path / "admin-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("ADMIN_PASSWORD_FILE", str(secret))
    call_command("create_admin", "--email", "admin@example.go.jp")
    assert User.objects.get().check_password(PASSWORD)


def test_password_is_asked_once_in_a_terminal(cas_number, monkeypatch):
    asked = []
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    call_command("create_admin", "--email", "admin@example.go.jp")
    assert asked == ["Password: "]
    assert User.objects.get().check_password(PASSWORD)


def test_another_ministry_unit_may_be_given(cas_number, password_env):
    mic = MinistryFactory(code="mic", name="総務省")
    call_command("create_admin", "--email", "admin@example.go.jp", "--organization", "mic")
    assert User.objects.get().organization == mic


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--email", "not-an-address"], "CommandError: 'not-an-address' is not an e-mail address."),
        (["--email", "a@example.go.jp", "--organization", "nope"], "no organisation with code"),
        (["--email", "a@example.go.jp", "--organization", "010006"], "is not a ministry unit"),
    ],
)
def test_bad_input_is_one_line_without_traceback(cas_number, password_env, capsys, argv, message):
    PrefectureFactory(code="010006", name="北海道")
    status = run(*argv)
    err = capsys.readouterr().err
    assert status == 1
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not User.objects.exists() and not AuditEvent.objects.exists()


def test_an_existing_account_is_left_alone(cas_number, password_env, capsys):
    existing = UserFactory(email="admin@example.go.jp", role=Role.STAFF, organization=cas_number)
    status = run("--email", "ADMIN@example.go.jp")
    err = capsys.readouterr().err
    assert status == 1
    assert err.strip() == (
        "CommandError: an account admin@example.go.jp already exists; nothing was changed."
    )
    existing.refresh_from_db()
    assert existing.role == Role.STAFF and User.objects.count() == 1


def test_weak_password_or_no_password_is_refused(cas_number, monkeypatch, capsys):
    monkeypatch.setenv("ADMIN_PASSWORD", "12345")
    assert run("--email", "admin@example.go.jp") == 1
    assert "password refused" in capsys.readouterr().err
    monkeypatch.delenv("ADMIN_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert run("--email", "admin@example.go.jp") == 1
    assert "ADMIN_PASSWORD_FILE" in capsys.readouterr().err
    assert not User.objects.exists()


def test_without_the_organisations_it_says_what_to_load(db, password_env):
    with pytest.raises(CommandError, match="load_reference_data"):
        call_command("create_admin", "--email", "admin@example.go.jp")
