"""The import result, the importer's shared state and its error recording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from attain.core.errors import ErrorDetail
from attain.core.scope import DataScope
from attain.sales.io import fields as F
from attain.sales.io.reading import RawTable

Progress = Callable[[int, int, str], None]


@dataclass
class ImportResult:
    """What an import did (or, dry run / errors, would have done)."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    row_count: int = 0
    errors: list[ErrorDetail] = field(default_factory=list)
    is_dry_run: bool = False
    batch_id: int | None = None

    @property
    def is_ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        """The CLI/API summary: ``{"created", "updated", "unchanged", "errors": [{row, column, value, message}]}``."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error_dict(detail) for detail in self.errors],
        }


def error_dict(detail: ErrorDetail) -> dict[str, Any]:
    return {"row": detail.row, "column": detail.column, "value": detail.value, "message": str(detail.message)}


class _WriteRejected(Exception):
    """A check that could only be made while writing failed; the transaction is rolled back."""


class _ImporterBase:
    """An import's state (file, mapping, parsed frame, result) and how errors are recorded."""

    def __init__(
        self,
        *,
        kind: str,
        table: RawTable,
        mapping: dict[str, str],
        source: str,
        scope: DataScope,
        result: ImportResult,
        auto_map: bool = True,
    ) -> None:
        self.kind = kind
        self.spec = F.SPECS[kind]
        self.table = table
        self.source = source
        self.scope = scope
        self.result = result
        auto = F.auto_mapping(self.spec, table.headers) if auto_map else {}
        self.mapping = {**auto, **{k: v for k, v in mapping.items() if v}}
        self.frame = pl.DataFrame()
        self.order_rows = pl.DataFrame(schema={"external_id": pl.String, "id": pl.Int64})
        self.bad_rows: set[int] = set()

    # --- helpers
    def header(self, key: str) -> str:
        return self.mapping.get(key) or str(self.spec.field(key).label)

    def error(self, row: int | None, key: str | None, value: Any, message: str, code: str = "invalid") -> None:
        self.result.errors.append(
            ErrorDetail(
                message=str(message),
                row=row,
                column=self.header(key) if key else None,
                value=None if value is None else str(value),
                field=key,
                code=code,
            )
        )
        if row is not None:
            self.bad_rows.add(row)

    def has(self, key: str) -> bool:
        return key in self.mapping
