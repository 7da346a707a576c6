"""The people filter, shared by the web list and the API so both accept the same parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from attain.core.errors import NotFoundError
from attain.org import selectors
from attain.org.models import Person

if TYPE_CHECKING:
    from attain.accounts.models import User


@dataclass(frozen=True)
class PersonFilter:
    """``q`` matches name, employee number or email; ``unit`` keeps people in that unit (or under it) ``on`` a day."""

    q: str = ""
    unit: int | None = None
    on: dt.date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PersonFilter:
        """Read the filter from query parameters; malformed values are ignored rather than refused."""
        unit_text = str(params.get("unit") or "").strip()
        on_text = str(params.get("on") or "").strip()
        try:
            on = dt.date.fromisoformat(on_text) if on_text else None
        except ValueError:
            on = None
        return cls(
            q=str(params.get("q") or "").strip()[:100],
            unit=int(unit_text) if unit_text.isdigit() else None,
            on=on,
        )

    def apply(self, *, actor: User | None) -> QuerySet[Person]:
        """The people ``actor`` may see that match; an out-of-scope unit matches nobody."""
        unit = None
        if self.unit is not None:
            try:
                unit = selectors.unit_get(actor=actor, pk=self.unit)
            except NotFoundError:
                return Person.objects.none()
        return selectors.person_list(actor=actor, search=self.q or None, unit=unit, on=self.on)
