"""Users, API tokens and login attempts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from attain.accounts.choices import Role


class User(AbstractUser):
    """A login. Its role sets the default data scope; directors, HR and finance may be limited to a subtree."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    scope_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("data scope (org unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Directors, HR and finance only: empty means all, else this unit and the units under it."),
    )
    preferred_language = models.CharField(
        _("interface language"), max_length=16, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def get_full_name(self) -> str:
        """Chinese names read family name first with no space (陈秀婷); others "Given Family"."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u4e00" <= char <= "\u9fff" for char in first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()


class ApiToken(models.Model):
    """A per-user, revocable API token; only its SHA-256 digest is stored, the secret is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class LoginAttempt(models.Model):
    """One failed login, kept to throttle guessing by username and by client address."""

    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True, db_index=True)
    attempted_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.username} {self.ip_address or ''} {self.attempted_at:%Y-%m-%d %H:%M:%S}"
