"""``manage.py create_admin``: the first system administrator of a new installation.

Accounts are issued, never signed up for, so someone has to be the first issuer. The account
is usable at once (no "set your password" link: there is no mail set up yet, perhaps) and,
as a system administrator, must enrol two-factor login at its first login
(``accounts.middleware.RequireMFAMiddleware``).

The password is asked for once in a terminal, or read from ``ADMIN_PASSWORD`` (or the file
named by ``ADMIN_PASSWORD_FILE``) for automation. Every refusal is one line, no traceback.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from accounts.roles import Role
from orgs.models import Organization, OrganizationKind
from pmo.env import EnvError, env

# 内閣官房 番号制度推進室, where the programme's system administrators sit.
DEFAULT_ORGANIZATION = "cas-number"


class Command(BaseCommand):
    help = (
        "Create the first system administrator (password asked once, or ADMIN_PASSWORD / "
        "ADMIN_PASSWORD_FILE). Two-factor enrolment is required at the first login."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True, help="the login e-mail address")
        parser.add_argument("--name", default="システム管理者", help="氏名 (display name)")
        parser.add_argument("--department", default="", help="所属部署")
        parser.add_argument(
            "--organization",
            default=DEFAULT_ORGANIZATION,
            help=f"a ministry unit's code (default {DEFAULT_ORGANIZATION}: 番号制度推進室)",
        )

    def handle(self, *args, **options) -> None:
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"an account {email} already exists; nothing was changed.")
        organization = _ministry(options["organization"])
        user = User(
            email=email,
            display_name=options["name"],
            department=options["department"],
            organization=organization,
            role=Role.SYSADMIN,
        )
        password = self._password()
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("password refused: " + " ".join(exc.messages)) from None
        create_admin(user, password)
        self.stdout.write(
            f"Created {user.email} ({user.get_role_display()}, {organization.full_name}). "
            "Two-factor enrolment is required at the first login."
        )

    def _password(self) -> str:
        try:
            password = env.raw("ADMIN_PASSWORD")
        except EnvError as exc:
            raise CommandError(str(exc)) from None
        if password:
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                "no password: run in a terminal, or set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE."
            )
        return getpass.getpass("Password: ")


def _ministry(code: str) -> Organization:
    organization = Organization.objects.filter(code=code).first()
    if organization is None:
        loaded = Organization.objects.exists()
        hint = "" if loaded else " (run `manage.py load_reference_data` first)"
        raise CommandError(f"no organisation with code {code!r}{hint}.")
    if organization.kind != OrganizationKind.MINISTRY:
        raise CommandError(
            f"{code} ({organization.full_name}) is not a ministry unit; "
            "system administrators belong to a ministry."
        )
    return organization


@transaction.atomic
def create_admin(user: User, password: str) -> User:
    """Save the administrator, active from now (no activation link), and audit it."""
    user.is_staff = user.is_superuser = True
    user.activated_at = timezone.now()
    user.set_password(password)
    user.save()
    audit.record(
        audit.Kind.ISSUED,
        target_user=user,
        target=user.email,
        after={
            "email": user.email,
            "role": user.role,
            "organization": user.organization.code if user.organization else None,
        },
        detail="manage.py create_admin",
    )
    return user
