"""Authentication backend with lockout after repeated failures (by username and by client address)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from attain.accounts import services
from attain.accounts.selectors import login_lockout_remaining


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as the server saw it (``REMOTE_ADDR``; a proxy must set it, we trust no header)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class LockoutModelBackend(ModelBackend):
    """Django's model backend, refusing logins while the username or address is locked out.

    Every failed password check is recorded (``LoginAttempt``); once a username or an address has
    ``ATTAIN_LOGIN_MAX_FAILURES`` failures within ``ATTAIN_LOGIN_LOCKOUT_SECONDS``, authentication is refused
    even with the right password until the window has passed. While refused, the request carries
    ``attain_lockout = True`` and ``attain_lockout_seconds = N`` so the login page can say when to retry.
    A successful login forgets that username's failures. Attempts made while locked are not recorded, so
    hammering a locked account does not extend its lock.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        remaining = login_lockout_remaining(username=username, ip=ip)
        if remaining:
            _mark_locked(request, remaining)
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.login_failure_record(username=username, ip=ip)
            remaining = login_lockout_remaining(username=username, ip=ip)
            if remaining:
                _mark_locked(request, remaining)
            return None
        services.login_failures_clear(username=username)
        return user


def _mark_locked(request: HttpRequest | None, seconds: int) -> None:
    if request is not None:
        request.attain_lockout = True  # type: ignore[attr-defined]
        request.attain_lockout_seconds = seconds  # type: ignore[attr-defined]
