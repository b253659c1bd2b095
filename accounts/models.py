"""The user: one person, one organisation, one role, signing in with an e-mail address."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("role", Role.SYSADMIN)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("メールアドレス"), unique=True)
    display_name = models.CharField(_("氏名"), max_length=100)
    department = models.CharField(_("所属部署"), max_length=200, blank=True)
    phone = models.CharField(_("電話番号"), max_length=32, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("団体"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    role = models.CharField(_("役割"), max_length=32, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(_("有効"), default=True)
    is_staff = models.BooleanField(_("管理サイトに入れる"), default=False)
    date_joined = models.DateTimeField(_("登録日時"), default=timezone.now)
    previous_login = models.DateTimeField(_("前回ログイン"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        ordering = ["email"]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    def record_login(self, *, at=None) -> None:
        """Shift the last login to ``previous_login`` (shown as 前回ログイン) and stamp now."""
        self.previous_login = self.last_login
        self.last_login = at or timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            previous_login=self.previous_login, last_login=self.last_login
        )
