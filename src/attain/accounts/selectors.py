"""Reads of the accounts domain."""

from __future__ import annotations

from typing import Any

from attain.accounts.choices import Capability, Role

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Capability.values),
    Role.DIRECTOR: frozenset({Capability.ORG_VIEW, Capability.AUDIT_VIEW}),
    Role.MANAGER: frozenset({Capability.ORG_VIEW}),
    Role.REP: frozenset(),
    Role.HR: frozenset({Capability.ORG_VIEW, Capability.ORG_CHANGE, Capability.AUDIT_VIEW}),
    Role.FINANCE: frozenset({Capability.ORG_VIEW, Capability.AUDIT_VIEW}),
}


def user_can(user: Any, capability: str) -> bool:
    """Whether the user's role grants ``capability`` (superusers always may); scope still applies."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())
