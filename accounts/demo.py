"""Demo accounts, one per role. Loaded only by ``manage.py load_demo``, never in production."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import MFA_REQUIRED, Role
from orgs.models import Organization

DEFAULT_PASSWORD = "pmo-demo-2015"
# Demo accounts whose role needs a second factor are enrolled with this TOTP secret, so the
# demo works with any authenticator app or `manage.py demo_totp`. Never used in production.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    organization_code: str
    role: Role
    department: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("admin@demo.example", "管理 太郎", "cas-number", Role.SYSADMIN, "番号制度推進室"),
    DemoAccount(
        "coordinator@demo.example", "住民 花子", "mic-jumin", Role.COORDINATOR, "住民制度課"
    ),
    DemoAccount(
        "mhlw@demo.example",
        "厚労 次郎",
        "mhlw-social-security",
        Role.REVIEWER,
        "社会保障担当参事官室",
    ),
    DemoAccount("editor@demo.example", "編集 三郎", "cas", Role.EDITOR, "番号制度推進室"),
    DemoAccount("hokkaido@demo.example", "北海 道子", "010006", Role.PREFECTURE_ADMIN, "総務部"),
    DemoAccount("sapporo@demo.example", "札幌 一郎", "011002", Role.STAFF, "市民文化局 戸籍住民課"),
    DemoAccount(
        "madoguchi@demo.example", "窓口 七海", "011002", Role.ACCOUNT_MANAGER, "総務局 番号制度担当"
    ),
    DemoAccount("hakodate@demo.example", "函館 五郎", "012025", Role.STAFF, "市民部 戸籍住民課"),
    DemoAccount("aomori@demo.example", "青森 六子", "022012", Role.STAFF, "市民課"),
)


@transaction.atomic
def load_demo_accounts(password: str = DEFAULT_PASSWORD) -> list[User]:
    """Create or reset the demo accounts (idempotent). The organisations must be loaded."""
    codes = {account.organization_code for account in DEMO_ACCOUNTS}
    organizations = Organization.objects.in_bulk(codes, field_name="code")
    if missing := codes - organizations.keys():
        raise LookupError(f"organisations not loaded: {', '.join(sorted(missing))}")
    users = []
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.update_or_create(
            email=account.email,
            defaults={
                "display_name": account.display_name,
                "department": account.department,
                "organization": organizations[account.organization_code],
                "role": account.role,
                "is_active": True,
                "is_staff": account.role == Role.SYSADMIN,
                "is_superuser": account.role == Role.SYSADMIN,
            },
        )
        user.set_password(password)
        user.activated_at = user.activated_at or timezone.now()
        user.save(update_fields=["password", "activated_at"])
        if account.role in MFA_REQUIRED:
            enrol_demo_totp(user)
        users.append(user)
    return users


def enrol_demo_totp(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


def current_totp_code(secret: str = DEMO_TOTP_SECRET) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))
