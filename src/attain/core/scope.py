"""Data scope: which org units and people an actor may see, computed in one place and reused everywhere.

``DataScope`` is the value; ``scope_for(actor)`` resolves it. The resolver itself lives with the data it
needs (``attain.org.selectors.data_scope_resolve``, registered when the org app loads), so the kernel stays
free of domain imports. Web views, API handlers, exports and jobs all go through ``scope_for``; a query
that is deliberately unscoped says why in a comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class DataScope:
    """What one actor may see on one date: everything, or these units and these people."""

    is_all: bool = False
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    person_ids: frozenset[int] = field(default_factory=frozenset)
    as_of: dt.date | None = None

    @classmethod
    def nothing(cls) -> DataScope:
        return cls()

    @classmethod
    def everything(cls, as_of: dt.date | None = None) -> DataScope:
        return cls(is_all=True, as_of=as_of)

    def allows_unit(self, unit_id: int | None) -> bool:
        return self.is_all or (unit_id is not None and unit_id in self.unit_ids)

    def allows_person(self, person_id: int | None) -> bool:
        return self.is_all or (person_id is not None and person_id in self.person_ids)

    def unit_q(self, lookup: str = "pk") -> Q:
        """A filter keeping rows whose ``lookup`` (a unit id) is in scope."""
        return Q() if self.is_all else Q(**{f"{lookup}__in": sorted(self.unit_ids)})

    def person_q(self, lookup: str = "pk") -> Q:
        """A filter keeping rows whose ``lookup`` (a person id) is in scope."""
        return Q() if self.is_all else Q(**{f"{lookup}__in": sorted(self.person_ids)})


ScopeResolver = Callable[..., DataScope]
_resolver: ScopeResolver | None = None


def register_resolver(resolver: ScopeResolver) -> None:
    """Called once by the org app: the function that turns (actor, date) into a DataScope."""
    global _resolver
    _resolver = resolver


def scope_for(actor: Any, *, on: dt.date | None = None) -> DataScope:
    """The data scope of ``actor`` on ``on`` (today by default); anonymous or inactive users see nothing.

    The result is cached on the actor object for its lifetime (one request, one command).
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return DataScope.nothing()
    cache: dict[dt.date | None, DataScope] = actor.__dict__.setdefault("_attain_scope_cache", {})
    if on not in cache:
        if _resolver is None:
            raise RuntimeError("no data-scope resolver registered (is attain.org installed?)")
        cache[on] = _resolver(actor=actor, on=on)
    return cache[on]
