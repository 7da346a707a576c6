"""Reads of the org domain, scoped to what the actor may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attain.core.scope import DataScope


def data_scope_resolve(*, actor: Any, on: dt.date | None = None) -> DataScope:
    """Resolve an actor's data scope from their role and memberships (placeholder: admins see all)."""
    if getattr(actor, "role", None) == "admin" or getattr(actor, "is_superuser", False):
        return DataScope.everything(as_of=on)
    return DataScope.nothing()
