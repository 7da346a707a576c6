"""Users, API tokens and login attempts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from attain.accounts.choices import Role


class User(AbstractUser):
    """A login. Its role sets the default data scope; directors, HR and finance may be limited to a subtree."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.REP)
    scope_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("数据范围（组织单元）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("仅对总监、人力资源和财务有效：留空表示全部，否则只看该单元及其下级。"),
    )
    preferred_language = models.CharField(
        _("界面语言"), max_length=16, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class ApiToken(models.Model):
    """A per-user, revocable API token; only its SHA-256 digest is stored, the secret is shown once."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class LoginAttempt(models.Model):
    """One failed login, kept to throttle guessing by username and by client address."""

    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True, db_index=True)
    attempted_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.username} {self.ip_address or ''} {self.attempted_at:%Y-%m-%d %H:%M:%S}"
