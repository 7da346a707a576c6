# ruff: noqa: S608  # identifiers come from model metadata, quoted; values are always parameters
"""The import's raw SQL, in one place: stage rows in a temporary table, then upsert set-wise.

PostgreSQL: ``COPY`` (CSV written by Polars) into a ``TEMP … ON COMMIT DROP`` table, then one
``INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE (a compared column) IS DISTINCT FROM …`` whose
``RETURNING (xmax = 0)`` rows are counted in the same statement: created = inserted, updated = rows the
conflict branch really changed, unchanged = the rest — so re-importing a file reports 0 and 0.
SQLite: ``executemany`` of whole columns into the temporary table, then the same upsert; created is the
table's row count after minus before, updated the statement's changes minus created.

Children (order lines, credits) are staged with their parent's external id and joined to the parent table in
the ``INSERT … SELECT``, so no id ever travels back to Python. Look-ups by external id stage the distinct keys
the same way and join (never ``IN`` lists of file values). Must run inside the caller's transaction; tested on
both backends (``tests/test_io_sql.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction

_names = itertools.count(1)


@dataclass(frozen=True)
class UpsertCounts:
    """What one upsert did."""

    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class Parent:
    """Resolve a child's foreign key in SQL: ``column`` = the id of the ``table`` row whose ``(source,
    external_id)`` is (``source``, the frame's ``external_id`` column)."""

    column: str  # the child's foreign-key column, e.g. "order_id"
    table: str  # the parent's table
    source: str
    external_id: str  # the frame column holding the parent's external id


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _distinct(left: str, right: str) -> str:
    if connection.vendor == "postgresql":
        return f"{left} IS DISTINCT FROM {right}"
    return f"{left} IS NOT {right}"


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def _staged(cursor: Any, table: str, frame: pl.DataFrame, typed_from: dict[str, str]) -> Iterator[str]:
    """A temporary table holding ``frame``; each column is typed like ``typed_from[column]`` of ``table``
    (a column name there) or as text when not in ``typed_from``. Dropped afterwards (and at commit on PG)."""
    stage = f"attain_stage_{next(_names)}"
    q_table = _quote(table)
    select = ", ".join(
        f"t.{_quote(typed_from[c])} AS {_quote(c)}" if c in typed_from else f"CAST(NULL AS TEXT) AS {_quote(c)}"
        for c in frame.columns
    )
    on_commit = " ON COMMIT DROP" if _is_postgres() else ""
    cursor.execute(f"CREATE TEMPORARY TABLE {stage}{on_commit} AS SELECT {select} FROM {q_table} t WHERE 1 = 0")
    try:
        _load(cursor, stage, frame)
        yield stage
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")


def _load(cursor: Any, stage: str, frame: pl.DataFrame) -> None:
    """Bulk-load ``frame`` into ``stage``: COPY on PostgreSQL, one ``executemany`` of whole columns on SQLite."""
    if frame.height == 0:
        return
    q_cols = ", ".join(_quote(c) for c in frame.columns)
    if _is_postgres():
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="\\N", date_format="%Y-%m-%d")
        raw = cursor.cursor  # Django's wrapper → psycopg cursor
        with raw.copy(f"COPY {stage} ({q_cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
            copy.write(buffer.getbuffer())
        return
    columns = [_sqlite_column(frame[c]) for c in frame.columns]
    marks = ", ".join(["?"] * len(columns))
    # The raw sqlite3 cursor: Django's wrapper would rewrite "%s" for each call, which we do not need here.
    cursor.cursor.executemany(f"INSERT INTO {stage} ({q_cols}) VALUES ({marks})", zip(*columns, strict=True))


def _sqlite_column(series: pl.Series) -> list[Any]:
    """A column as the Python values Django would bind on SQLite: decimals and dates as text, booleans 0/1."""
    dtype = series.dtype
    if dtype == pl.Boolean:
        return series.cast(pl.Int8).to_list()
    if dtype.is_decimal() or dtype in (pl.Date, pl.Datetime):
        # Decimal text is stored with the column's NUMERIC affinity, exactly like Django's own writes.
        return series.cast(pl.String).to_list()
    if dtype.is_float():
        return series.to_list()
    return series.to_list()


SQLITE_CACHE_KIB = 200_000  # SQLite page cache (KiB) while an import writes; measured in docs/benchmarks.md


@contextmanager
def import_tuning() -> Iterator[None]:
    """For this connection while an import writes: on SQLite a ~200 MB page cache and (outside a transaction
    only, SQLite refuses it inside one) temporary tables in memory; both reset afterwards. Durability settings
    (``synchronous``, ``journal_mode``) are never touched. PostgreSQL: nothing."""
    if _is_postgres():
        yield
        return
    set_temp = not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA temp_store")
        temp = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        if set_temp:
            cursor.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {cache}")
            if set_temp and not connection.in_atomic_block:
                cursor.execute(f"PRAGMA temp_store = {temp}")


def upsert(
    *,
    table: str,
    key: Sequence[str],
    frame: pl.DataFrame,
    now: dt.datetime | None = None,
    batch_id: int | None = None,
    parent: Parent | None = None,
) -> UpsertCounts:
    """Insert or update ``frame``'s rows in ``table`` by ``key``; every other target column is compared.

    With ``now`` the table has ``created_at``/``updated_at``/``import_batch_id`` (a fact): they are set on
    insert and ``updated_at``/``import_batch_id`` on a real change only. With ``parent`` the frame holds the
    parent's external id (``parent.external_id``) instead of ``parent.column``, resolved by a join in SQL.
    """
    if frame.height == 0:
        return UpsertCounts(0, 0, 0)
    target = [c for c in frame.columns if parent is None or c != parent.external_id]
    if parent is not None:
        target.insert(0, parent.column)
    compared = [c for c in target if c not in key]
    typed = {c: c for c in frame.columns if parent is None or c != parent.external_id}
    q_table = _quote(table)
    select_cols = [f"s.{_quote(c)}" for c in target]
    joins, params = "", list[Any]()
    if parent is not None:
        select_cols[0] = "p.id"
        joins = f" JOIN {_quote(parent.table)} p ON p.source = %s AND p.external_id = s.{_quote(parent.external_id)}"
        params.append(parent.source)
    insert_cols = list(target)
    sets = [f"{_quote(c)} = excluded.{_quote(c)}" for c in compared]
    if now is not None:
        insert_cols += ["created_at", "updated_at", "import_batch_id"]
        select_cols += ["%s", "%s", "%s"]
        params += [now, now, batch_id]
        sets += ["updated_at = excluded.updated_at", "import_batch_id = excluded.import_batch_id"]
    changed = " OR ".join(_distinct(f"{q_table}.{_quote(c)}", f"excluded.{_quote(c)}") for c in compared)
    do = f"DO UPDATE SET {', '.join(sets)} WHERE {changed}" if compared else "DO NOTHING"
    insert = (
        f"INSERT INTO {q_table} ({', '.join(_quote(c) for c in insert_cols)}) "
        f"SELECT {', '.join(select_cols)} FROM {{stage}} s{joins} WHERE 1 = 1 "
        f"ON CONFLICT ({', '.join(_quote(k) for k in key)}) {do}"
    )
    with transaction.atomic(), connection.cursor() as cursor, _staged(cursor, table, frame, typed) as stage:
        sql = insert.format(stage=stage)
        if _is_postgres():
            cursor.execute(
                f"WITH w AS ({sql} RETURNING (xmax = 0) AS created) "
                "SELECT COUNT(*) FILTER (WHERE created), COUNT(*) FILTER (WHERE NOT created) FROM w",
                params,
            )
            created, updated = (int(n) for n in cursor.fetchone())
        else:
            cursor.execute(f"SELECT COUNT(*) FROM {q_table}")
            before = int(cursor.fetchone()[0])
            cursor.execute(sql, params)
            changes = int(cursor.rowcount)
            cursor.execute(f"SELECT COUNT(*) FROM {q_table}")
            created = int(cursor.fetchone()[0]) - before
            updated = changes - created
    return UpsertCounts(created=created, updated=updated, unchanged=frame.height - created - updated)


def rows_by_external_id(
    *, table: str, source: str, external_ids: pl.Series | Sequence[str], columns: Sequence[str] = ("id",)
) -> pl.DataFrame:
    """``external_id`` and ``columns`` of the stored rows of ``source`` whose external id is given.

    The distinct ids are staged in a temporary table and joined (one statement, no ``IN`` list).
    """
    keys = pl.Series("external_id", external_ids, dtype=pl.String).drop_nulls().unique().to_frame()
    names = ["external_id", *columns]
    if keys.height == 0:
        return pl.DataFrame(schema={name: pl.String if name == "external_id" else pl.Null for name in names})
    q_table = _quote(table)
    picked = ", ".join(f"t.{_quote(c)}" for c in columns)
    with transaction.atomic(), connection.cursor() as cursor, _staged(cursor, table, keys, {}) as stage:
        cursor.execute(
            f"SELECT s.external_id, {picked} FROM {stage} s "
            f"JOIN {q_table} t ON t.source = %s AND t.external_id = s.external_id",
            [source],
        )
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)


def ids_by_external_id(*, table: str, source: str, external_ids: Sequence[str]) -> dict[str, int]:
    """``external_id → id`` for the given ids of one source."""
    found = rows_by_external_id(table=table, source=source, external_ids=list(external_ids))
    return {str(ext): int(pk) for ext, pk in found.iter_rows()}


def child_rows(
    *, table: str, fk: str, parent_table: str, source: str, parent_external_ids: pl.Series, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows of ``table`` whose ``fk`` points at a ``parent_table`` row of ``source`` with one
    of the given external ids (staged and joined, no ``IN`` list)."""
    keys = pl.Series("external_id", parent_external_ids, dtype=pl.String).drop_nulls().unique().to_frame()
    if keys.height == 0:
        return []
    picked = ", ".join(f"c.{_quote(c)}" for c in columns)
    with transaction.atomic(), connection.cursor() as cursor, _staged(cursor, parent_table, keys, {}) as stage:
        cursor.execute(
            f"SELECT {picked} FROM {stage} s "
            f"JOIN {_quote(parent_table)} p ON p.source = %s AND p.external_id = s.external_id "
            f"JOIN {_quote(table)} c ON c.{_quote(fk)} = p.id",
            [source],
        )
        return list(cursor.fetchall())
