"""Reads of the accounts domain: capabilities, users, API tokens, login lockout, data-scope descriptions."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.accounts.choices import Capability, Role
from attain.accounts.models import ApiToken, LoginAttempt, User
from attain.core.errors import NotFoundError
from attain.org import selectors as org_selectors

if TYPE_CHECKING:
    from django.db.models import QuerySet

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Capability.values),
    Role.DIRECTOR: frozenset({Capability.ORG_VIEW, Capability.AUDIT_VIEW}),
    Role.MANAGER: frozenset({Capability.ORG_VIEW}),
    Role.REP: frozenset(),
    Role.HR: frozenset({Capability.ORG_VIEW, Capability.ORG_CHANGE, Capability.AUDIT_VIEW}),
    Role.FINANCE: frozenset({Capability.ORG_VIEW, Capability.AUDIT_VIEW}),
}


def _is_active_user(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def user_can(user: Any, capability: str) -> bool:
    """Whether the user's role grants ``capability`` (superusers always may); scope still applies."""
    if not _is_active_user(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def user_capabilities(user: Any) -> list[str]:
    """Every capability the user has, sorted (for the API and the menu)."""
    return sorted(c for c in Capability.values if user_can(user, c))


def user_list(*, actor: Any) -> QuerySet[User]:
    """Users ``actor`` may see: everyone for user managers, otherwise only themselves."""
    users = User.objects.select_related("scope_unit", "person").order_by("username")
    if user_can(actor, Capability.USERS_MANAGE):
        return users
    if not _is_active_user(actor):
        return users.none()
    return users.filter(pk=actor.pk)


def user_get(*, actor: Any, pk: int) -> User:
    """One user ``actor`` may see, else NotFoundError."""
    user = user_list(actor=actor).filter(pk=pk).first()
    if user is None:
        raise NotFoundError(_("No such user."), field="id")
    return user


def api_token_list(*, actor: Any) -> QuerySet[ApiToken]:
    """The actor's own API tokens, newest first (nobody lists other people's tokens here)."""
    if not _is_active_user(actor):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-id")


def api_token_get(*, actor: Any, pk: int) -> ApiToken:
    """One of the actor's own tokens, else NotFoundError (another user's token is indistinguishable)."""
    token = api_token_list(actor=actor).filter(pk=pk).first()
    if token is None:
        raise NotFoundError(_("No such API token."), field="id")
    return token


def login_username_normalize(username: str | None) -> str:
    """The form failures are counted under, so ``Alice`` and `` alice`` share one counter."""
    return (username or "").strip().casefold()[:150]


def login_ip_normalize(ip: str | None) -> str | None:
    """A valid IP address string, or None (the failure is then counted by username only)."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def login_lockout_remaining(*, username: str | None, ip: str | None, now: dt.datetime | None = None) -> int:
    """Seconds until the username or the address may try again (0 = not locked).

    Locked while ``ATTAIN_LOGIN_MAX_FAILURES`` failures fall within the last ``ATTAIN_LOGIN_LOCKOUT_SECONDS``;
    the lock lifts when the oldest of those failures leaves the window. One query per key, on indexed columns.
    """
    max_failures = int(settings.ATTAIN_LOGIN_MAX_FAILURES)
    window = dt.timedelta(seconds=int(settings.ATTAIN_LOGIN_LOCKOUT_SECONDS))
    if max_failures <= 0:
        return 0
    now = now or timezone.now()
    since = now - window
    keys: list[Q] = []
    normalized = login_username_normalize(username)
    if normalized:
        keys.append(Q(username=normalized))
    address = login_ip_normalize(ip)
    if address:
        keys.append(Q(ip_address=address))
    remaining = 0
    for key in keys:
        times = list(
            LoginAttempt.objects.filter(key, attempted_at__gt=since)
            .order_by("-attempted_at")
            .values_list("attempted_at", flat=True)[:max_failures]
        )
        if len(times) >= max_failures:
            unlock_at = times[-1] + window
            remaining = max(remaining, int((unlock_at - now).total_seconds() + 0.999))
    return remaining


def user_scope_describe(*, user: Any) -> str:
    """What ``user`` may see, in words, for the profile page and ``/api/v1/accounts/me``."""
    if not _is_active_user(user):
        return _("Nothing (not signed in).")
    role = getattr(user, "role", "")
    if getattr(user, "is_superuser", False) or role == Role.ADMIN:
        return _("Everything: administrators see all units and people.")
    if role in (Role.DIRECTOR, Role.HR, Role.FINANCE):
        if user.scope_unit_id is None:
            return _("All org units and the people in them.")
        return _("%(unit)s and every unit under it, with the people in them.") % {"unit": user.scope_unit.name}
    person = org_selectors.person_for_user(user=user)
    if person is None:
        return _("Nothing yet: this login is not linked to a person in the organisation.")
    if role == Role.MANAGER:
        names = [unit.name for unit in org_selectors.units_managed_by(person=person, on=timezone.localdate())]
        if not names:
            return _("Your own data only: you manage no unit today.")
        return _("The units you manage (%(units)s) and every unit under them, with the people in them.") % {
            "units": ", ".join(names)
        }
    return _("Your own data only.")


def user_active_get(*, pk: int) -> User:
    """The active user a background job runs for; a job whose user is gone or deactivated must not run."""
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise NotFoundError(_("The user this job runs for no longer exists or is inactive."))
    return user
