"""The user: one person, one organisation, one role, signing in with an e-mail address."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from pmo.jobs import UploadJob


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # One spelling per address: the whole address is lower-cased (the constraint on
        # Lower(email) refuses the same address in another case).
        return super().normalize_email((email or "").strip()).lower()

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("role", Role.SYSADMIN)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email: str | None) -> User:
        return self.get(email__iexact=email)


class AccountState(models.TextChoices):
    ISSUED = "issued", _("発行済（未設定）")
    ACTIVE = "active", _("利用中")
    STOPPED = "stopped", _("停止中")
    EXPIRED = "expired", _("案内の期限切れ")


class NotificationMode(models.TextChoices):
    """How a person hears about review events (follow-ups, checks, advice, approvals)."""

    DIGEST = "digest", _("毎日のまとめ")
    IMMEDIATE = "immediate", _("すぐに")


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
    issued_by = models.ForeignKey(
        "self",
        verbose_name=_("発行者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_accounts",
    )
    activated_at = models.DateTimeField(_("利用開始日時"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("停止日時"), null=True, blank=True)
    notification_mode = models.CharField(
        _("通知の受け取り方"),
        max_length=12,
        choices=NotificationMode.choices,
        default=NotificationMode.DIGEST,
    )
    # Part of the session hash: bumping it ends every session of the account at once.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_any_case",
                violation_error_message=_("このメールアドレスのアカウントは既にあります。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    def get_session_auth_hash(self) -> str:
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def state(self) -> str:
        """発行済 / 利用中 / 停止 / 期限切れ: what the issuer sees for this account."""
        if not self.is_active:
            return AccountState.STOPPED
        if self.activated_at:
            return AccountState.ACTIVE
        invitation = self.latest_invitation
        if invitation is None or invitation.is_expired:
            return AccountState.EXPIRED
        return AccountState.ISSUED

    @property
    def latest_invitation(self) -> Invitation | None:
        """The newest invitation; prefetch ``invitations`` to avoid a query per account."""
        invitations = sorted(self.invitations.all(), key=lambda i: i.created_at, reverse=True)
        return invitations[0] if invitations else None

    @property
    def can_log_in(self) -> bool:
        """Has a password (set through the link): the account's holder can sign in."""
        return self.is_active and self.has_usable_password()

    def record_login(self, *, at=None) -> None:
        """Shift the last login to ``previous_login`` (shown as 前回ログイン) and stamp now."""
        self.previous_login = self.last_login
        self.last_login = at or timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            previous_login=self.previous_login, last_login=self.last_login
        )


class Invitation(models.Model):
    """A single-use link to set a password, mailed to a newly issued account (7 days)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("利用開始の案内")
        verbose_name_plural = _("利用開始の案内")

    def __str__(self) -> str:
        return f"{self.user.email} {self.created_at:%Y/%m/%d}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class EmailChange(models.Model):
    """A change of login address asked for by an issuer.

    The login address is part of the issued identity: only an issuer changes it, and the change
    takes effect when the single-use link mailed to the new address is followed (7 days), by
    the account holder signed in with the old one. The old address is told at once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes")
    old_email = models.EmailField(_("変更前のメールアドレス"))
    new_email = models.EmailField(_("新しいメールアドレス"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("メールアドレスの変更")
        verbose_name_plural = _("メールアドレスの変更")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.old_email} → {self.new_email}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.confirmed_at is None and self.cancelled_at is None and not self.is_expired


class AuditEvent(models.Model):
    """One account, permission or content event: who, when, from where, before and after.

    Rows are only ever added. ``organization`` is the organisation the event concerns, so an
    issuer sees the events of the organisations they issue for.
    """

    class Kind(models.TextChoices):
        ISSUED = "issued", _("発行")
        ACTIVATED = "activated", _("有効化")
        LINK_RESENT = "link_resent", _("案内の再送")
        STOPPED = "stopped", _("停止")
        RESTARTED = "restarted", _("再開")
        CHANGED = "changed", _("変更")
        ROLE_CHANGED = "role_changed", _("役割の変更")
        GRANT_GIVEN = "grant_given", _("権限の付与")
        GRANT_TAKEN = "grant_taken", _("権限の取消")
        LOGIN_SUCCEEDED = "login_succeeded", _("ログイン成功")
        LOGIN_FAILED = "login_failed", _("ログイン失敗")
        ACCESS_DENIED = "access_denied", _("アクセス拒否")
        CONTENT = "content", _("コンテンツの変更")

    created_at = models.DateTimeField(_("日時"), default=timezone.now)  # indexes in Meta
    kind = models.CharField(_("種類"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("実行者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_actions",
    )
    actor_email = models.CharField(_("実行者のメール"), max_length=254, blank=True)
    target_user = models.ForeignKey(
        User,
        verbose_name=_("対象の利用者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("団体"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    target = models.CharField(_("対象"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("接続元"), null=True, blank=True)
    before = models.JSONField(_("変更前"), null=True, blank=True)
    after = models.JSONField(_("変更後"), null=True, blank=True)
    detail = models.CharField(_("詳細"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["-created_at", "-pk"]
        # The list is paged by keyset on (created_at, id) newest first (pmo.keyset), plain or
        # filtered by organisation or kind: each index ends in that order, so any page reads
        # one page of index. The actor filter (part of an address) has a trigram index on
        # Postgres (migration 0006); the date range is a range on created_at.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_recent"),
            models.Index(fields=["organization", "-created_at", "-id"], name="audit_org_recent"),
            models.Index(fields=["kind", "-created_at", "-id"], name="audit_kind_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y/%m/%d %H:%M} {self.get_kind_display()} {self.target}"


class IssueJob(UploadJob):
    """A bulk-issuance sheet checked and issued by a worker, all or nothing; leased like every
    job (:mod:`pmo.jobs`). A job is its issuer's own."""

    issuer = models.ForeignKey(
        User, verbose_name=_("発行者"), on_delete=models.CASCADE, related_name="+"
    )
    issued = models.JSONField(_("発行したアカウント"), default=list, blank=True)

    class Meta(UploadJob.Meta):
        verbose_name = _("一括発行")
        verbose_name_plural = _("一括発行")

    def __str__(self) -> str:
        return f"{self.issuer} {self.filename}"
