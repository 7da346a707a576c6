"""Writes of the accounts domain: users, API tokens, login failures."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from attain.accounts.models import ApiToken, User

TOKEN_PREFIX = "att_"  # noqa: S105 - a public marker, not a secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret, which is never stored nor shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=_digest(secret), expires_at=expires_at
    )
    return token, secret


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user a live token belongs to, or None; records when the token was last used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(digest=_digest(secret), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
