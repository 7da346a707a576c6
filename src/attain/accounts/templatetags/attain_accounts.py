"""Template tags for the web shell: what the current user may do, for the role-aware menu."""

from __future__ import annotations

from typing import Any

from django import template

from attain.accounts.choices import Role
from attain.accounts.selectors import user_can as _user_can

register = template.Library()


@register.simple_tag
def user_can(user: Any, capability: str) -> bool:
    """``{% user_can request.user "org.view" as can_view_org %}``: the role grants the capability."""
    return _user_can(user, capability)


@register.filter
def is_admin(user: Any) -> bool:
    """The user administers Attain (admin role or superuser)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", "") == Role.ADMIN)
