"""Roles are data on the user; their order decides who may issue whom (never one above)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("担当者")
    ACCOUNT_MANAGER = "account_manager", _("番号制度担当窓口")
    PREFECTURE_ADMIN = "prefecture_admin", _("都道府県 管理者")
    REVIEWER = "reviewer", _("関係省庁 確認者")
    EDITOR = "editor", _("コンテンツ編集者")
    COORDINATOR = "coordinator", _("総括（総務省 住民制度課）")
    SYSADMIN = "sysadmin", _("システム管理者")


RANK: dict[str, int] = {  # by role value (a Role is its value)
    Role.STAFF: 10,
    Role.ACCOUNT_MANAGER: 20,
    Role.PREFECTURE_ADMIN: 30,
    Role.REVIEWER: 40,
    Role.EDITOR: 40,
    Role.COORDINATOR: 50,
    Role.SYSADMIN: 100,
}

# Roles whose holders must enrol a second factor before they reach anything else.
MFA_REQUIRED = frozenset(set(Role) - {Role.STAFF})
