"""The import result, the parsed-row records and the importer's shared state, error recording and scope checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from attain.core.errors import ErrorDetail
from attain.core.scope import DataScope, scope_for
from attain.org.io.columns import KINDS, cell_text, parse_date
from attain.org.io.reading import Table
from attain.org.models import Membership, Person, Unit

if TYPE_CHECKING:
    from attain.accounts.models import User


@dataclass
class OrgImportResult:
    """What an import did (or, in a dry run, would do): counts per kind and the problems found."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    errors: list[ErrorDetail] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "errors": [detail.as_dict() for detail in self.errors],
            "dry_run": self.dry_run,
        }


@dataclass
class _UnitRow:
    row: int
    table: Table
    code: str
    name: str
    kind: str | None
    parent_code: str | None  # None: column absent → keep; "" → root
    is_active: bool | None


@dataclass
class _PersonRow:
    row: int
    employee_no: str
    values: dict[str, Any]


@dataclass
class _MembershipRow:
    row: int
    table: Table
    employee_no: str
    unit_code: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None
    note: str | None


@dataclass
class _Span:
    """A membership as it will be after the import, for overlap checks."""

    unit_code: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None
    row: int | None  # file row, or None for a stored membership the file does not mention
    pk: int | None


class _ImporterBase:
    """An import's state (tables, stored rows loaded once, parsed rows, result) and its shared helpers."""

    def __init__(self, *, actor: User | None, tables: list[Table], errors: list[ErrorDetail]) -> None:
        self.actor = actor
        self.scope: DataScope = DataScope.everything() if actor is None else scope_for(actor)
        self.tables = {table.sheet.kind: table for table in tables}
        self.errors = errors
        self.result = OrgImportResult()
        # Everything stored, loaded once (one query per table).
        self.units: dict[str, Unit] = {unit.code: unit for unit in Unit.objects.all()}
        self.units_by_id: dict[int, Unit] = {unit.pk: unit for unit in self.units.values()}
        self.people: dict[str, Person] = {}
        self.stored_memberships: dict[tuple[str, str, str, dt.date], Membership] = {}
        self.unit_rows: dict[str, _UnitRow] = {}
        self.person_rows: dict[str, _PersonRow] = {}
        self.membership_rows: list[_MembershipRow] = []

    # --- helpers ---
    def error(self, table: Table, row: int | None, key: str | None, value: Any, message: str, code: str) -> None:
        self.errors.append(
            ErrorDetail(
                message=message,
                row=row,
                column=table.column(key) if key else None,
                value=cell_text(value) if value is not None else None,
                field=table.source,
                code=code,
            )
        )

    def _date(self, table: Table, row: int, values: dict[str, Any], key: str) -> tuple[bool, dt.date | None]:
        raw = values.get(key)
        if cell_text(raw) == "":
            return True, None
        try:
            return True, parse_date(raw)
        except (ValueError, OverflowError):
            message = _("Not a date; write it like 2026-03-05, 2026/3/5 or 2026年3月5日.")
            self.error(table, row, key, raw, message, "bad_date")
            return False, None

    def _final_parent(self, code: str) -> str | None:
        """The parent code ``code`` will have after the import (None for a root)."""
        row = self.unit_rows.get(code)
        if row is not None and row.parent_code is not None:
            return row.parent_code or None
        unit = self.units.get(code)
        if unit is not None and unit.parent_id is not None:
            return self.units_by_id[unit.parent_id].code
        return None

    def _may_touch_unit(self, code: str) -> bool:
        """Whether the actor may write in unit ``code``: a stored unit in scope, or a new one under such a unit."""
        if self.scope.is_all:
            return True
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            stored = self.units.get(current)
            if stored is not None:
                return self.scope.allows_unit(stored.pk)
            current = self._final_parent(current)
        return False
