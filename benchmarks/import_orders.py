"""Time Attain's order import against raw COPY of the same file, on PostgreSQL and SQLite, CSV and XLSX.

    python -m benchmarks.import_orders --rows 1000000 --xlsx-rows 200000 --reps 10000

Steps, each phase in its own process (Django binds one database per process):
1. write an orders CSV of ``--rows`` rows (the floor's workload: one row per order, one product each) and an
   XLSX of its first ``--xlsx-rows`` rows;
2. PostgreSQL (fresh database): reference data (reps, customers, products), then (a) raw ``COPY`` of the CSV
   into a bare table with the file's columns, (b) Attain's CSV import (``facts_import``, all validation),
   (c) the XLSX import (under another source, so its rows are new; the read alone is timed too), a
   re-import of the CSV (must create and update nothing), and the *store floor*: the imported orders and lines
   loaded by ``COPY`` into bare copies of their tables (no index, key or check), then the tables' own indexes and
   keys built on those copies (rolled back);
3. SQLite (fresh file): the same reference data, (d) Attain's CSV import and the XLSX import;
4. ``floor.py`` on the same data size.
Prints one JSON object: rows/s per phase and the PostgreSQL import time as a multiple of raw COPY and of the
store floor.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks import data

HEADERS = [
    "order no",
    "order date",
    "customer",
    "rep",
    "product",
    "quantity",
    "unit price",
    "amount",
    "cost",
    "payment terms",
]
RAW_TABLE_SQL = """
CREATE UNLOGGED TABLE IF NOT EXISTS bench_raw_orders (
    order_no text, booked_on date, customer text, rep text, product text, quantity numeric(14, 3),
    unit_price numeric(16, 4), amount numeric(14, 2), cost numeric(14, 2), payment_terms integer
)"""
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/attain_bench"


def orders_frame(*, rows: int, reps: int, seed: int = 42) -> pl.DataFrame:
    """The floor's transactions as an order export a CRM might give us (text columns, headers in English)."""
    tx, _reps = data.workload(rows=rows, reps=reps, seed=seed)
    return tx.select(
        pl.format("BO{}", pl.col("id").cast(pl.String).str.zfill(8)).alias("order no"),
        pl.col("date").cast(pl.String).alias("order date"),
        pl.format("BC{}", pl.col("customer_id").cast(pl.String).str.zfill(7)).alias("customer"),
        pl.format("BR{}", pl.col("rep_id").cast(pl.String).str.zfill(5)).alias("rep"),
        pl.format("BP{}", pl.col("product_id").cast(pl.String).str.zfill(4)).alias("product"),
        pl.lit("1").alias("quantity"),
        data.cents_text("amount").alias("unit price"),
        data.cents_text("amount").alias("amount"),
        data.cents_text("cost").alias("cost"),
        pl.lit("30").alias("payment terms"),
    )


def write_files(frame: pl.DataFrame, directory: Path, *, xlsx_rows: int) -> dict[str, Any]:
    """The CSV (all rows) and the XLSX (first ``xlsx_rows``), written with Polars and xlsxwriter."""
    import xlsxwriter

    csv_path, xlsx_path = directory / "orders.csv", directory / "orders.xlsx"
    started = time.perf_counter()
    frame.write_csv(csv_path)
    csv_s = time.perf_counter() - started
    started = time.perf_counter()
    workbook = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    sheet = workbook.add_worksheet("orders")
    sheet.write_row(0, 0, HEADERS)
    for index, row in enumerate(frame.head(xlsx_rows).iter_rows(), start=1):
        sheet.write_row(index, 0, row)
    workbook.close()
    return {
        "csv": str(csv_path),
        "xlsx": str(xlsx_path),
        "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
        "xlsx_mb": round(xlsx_path.stat().st_size / 1e6, 1),
        "write_csv_s": round(csv_s, 2),
        "write_xlsx_s": round(time.perf_counter() - started, 2),
    }


def _timed_import(path: str, *, source: str) -> dict[str, Any]:
    """Attain's import of ``path`` as the system actor (what ``attain import order FILE`` runs)."""
    from attain.sales.io.importing import facts_import

    payload = Path(path).read_bytes()
    started = time.perf_counter()
    result = facts_import(actor=None, kind="order", data=payload, filename=Path(path).name, source=source)
    seconds = time.perf_counter() - started
    summary = result.summary()
    return {
        "seconds": round(seconds, 3),
        "rows_per_s": round(result.row_count / seconds) if seconds else 0,
        "created": summary["created"],
        "updated": summary["updated"],
        "unchanged": summary["unchanged"],
        "errors": len(summary["errors"]),
        "first_errors": summary["errors"][:3],
    }


def _timed_read(path: str) -> dict[str, Any]:
    """Reading alone (``reading.read_table``: the file to a frame of text cells), no checks and no writes."""
    from attain.sales.io.reading import read_table

    payload = Path(path).read_bytes()
    started = time.perf_counter()
    table = read_table(data=payload, filename=Path(path).name)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "rows_per_s": round(table.row_count / seconds) if seconds else 0}


def _raw_copy(path: str) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RAW_TABLE_SQL)
        cursor.execute("TRUNCATE bench_raw_orders")
        started = time.perf_counter()
        with (
            open(path, "rb") as handle,
            cursor.cursor.copy("COPY bench_raw_orders FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT COUNT(*) FROM bench_raw_orders")
        rows = int(cursor.fetchone()[0])
    return {"seconds": round(seconds, 3), "rows_per_s": round(rows / seconds) if seconds else 0, "rows": rows}


def _store_floor(source: str) -> dict[str, Any]:
    """PostgreSQL: what storing the imported rows costs before any reading, checking, key or index. The orders of
    ``source`` and their lines are exported as stored, then loaded by ``COPY`` into bare copies of the two tables
    (``LIKE … INCLUDING DEFAULTS``: columns, NOT NULL and defaults; no index, no key, no check, no foreign key;
    timestamps left to their defaults) inside a transaction that is rolled back. Logged tables, as the real ones."""
    from django.db import connection, transaction

    from attain.sales.models import Order, OrderLine

    loads: list[tuple[str, str, bytes]] = []
    with connection.cursor() as cursor:
        for model, where in (
            (Order, "t.source = %s"),
            (OrderLine, "t.order_id IN (SELECT o.id FROM sales_order o WHERE o.source = %s)"),
        ):
            table = model._meta.db_table
            columns = ", ".join(
                f.column for f in model._meta.concrete_fields if f.column not in ("created_at", "updated_at")
            )
            buffer = io.BytesIO()
            literal = "'" + source.replace("'", "''") + "'"
            select = f"SELECT {columns} FROM {table} t WHERE {where.replace('%s', literal)}"  # noqa: S608 - model names
            with cursor.cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            loads.append((table, columns, buffer.getvalue()))
        seconds: dict[str, float] = {}
        index_seconds: dict[str, float] = {}
        rows = 0
        with transaction.atomic():
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # as the import's own index builds
            for table, columns, payload in loads:
                cursor.execute(f"CREATE TABLE bench_bare_{table} (LIKE {table} INCLUDING DEFAULTS)")
                started = time.perf_counter()
                with cursor.cursor.copy(f"COPY bench_bare_{table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(payload)
                seconds[table] = round(time.perf_counter() - started, 3)
                cursor.execute(f"SELECT COUNT(*) FROM bench_bare_{table}")  # noqa: S608 - a model's table name
                rows += int(cursor.fetchone()[0])
                # Then every index the real table has (primary and unique keys included), built after the load.
                cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", [table])
                definitions = [str(row[0]) for row in cursor.fetchall()]
                started = time.perf_counter()
                for definition in definitions:
                    cursor.execute(
                        re.sub(
                            r"^(CREATE (?:UNIQUE )?INDEX )(\S+) ON (\S+) ",
                            rf"\1bench_bare_\2 ON bench_bare_{table} ",
                            definition,
                        )
                    )
                index_seconds[table] = round(time.perf_counter() - started, 3)
            transaction.set_rollback(True)
    total = sum(seconds.values())
    indexed = total + sum(index_seconds.values())
    return {
        "seconds": round(total, 3),
        "tables": seconds,
        "stored_rows": rows,
        "with_indexes_s": round(indexed, 3),
        "index_builds": index_seconds,
    }


def phase(args: argparse.Namespace) -> dict[str, Any]:
    """One database's measurements (run in a child process)."""
    if args.database_url.startswith("postgres"):
        data.create_postgres_database(args.database_url)
    else:
        Path(args.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    data.django_setup(args.database_url)
    from django.db import connection

    customer_numbers = pl.read_csv(args.csv, columns=["customer"])["customer"].str.slice(2).cast(pl.Int64)
    tx_customers = int(customer_numbers.max() or 0)  # type: ignore[arg-type]
    started = time.perf_counter()
    data.reference_create(reps=args.reps, customers=tx_customers + 1)
    result: dict[str, Any] = {"database": connection.vendor, "reference_s": round(time.perf_counter() - started, 2)}
    if connection.vendor == "postgresql":
        result["raw_copy"] = _raw_copy(args.csv)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        result["csv_import"] = _timed_import(args.csv, source="bench")
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").dump_stats(args.profile)
    else:
        result["csv_import"] = _timed_import(args.csv, source="bench")
    if connection.vendor == "postgresql":
        result["csv_reimport"] = _timed_import(args.csv, source="bench")
        result["store_floor"] = _store_floor("bench")
    if args.xlsx:
        result["xlsx_read"] = _timed_read(args.xlsx)
        result["xlsx_import"] = _timed_import(args.xlsx, source="bench-xlsx")
    if connection.vendor == "postgresql":
        copy_s = result["raw_copy"]["seconds"]
        result["import_vs_copy"] = round(result["csv_import"]["seconds"] / copy_s, 1) if copy_s else None
        floor_s = result["store_floor"]["seconds"]
        result["import_vs_store_floor"] = round(result["csv_import"]["seconds"] / floor_s, 1) if floor_s else None
        indexed_s = result["store_floor"]["with_indexes_s"]
        result["import_vs_indexed_store_floor"] = (
            round(result["csv_import"]["seconds"] / indexed_s, 1) if indexed_s else None
        )
    return result


def _child(database_url: str, csv: str, xlsx: str | None, reps: int, profile: str | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.import_orders", "--phase", "--database-url", database_url]
    command += ["--csv", csv, "--reps", str(reps)]
    if xlsx:
        command += ["--xlsx", xlsx]
    if profile:
        command += ["--profile", profile]
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=data.REPO)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(
    *,
    rows: int,
    xlsx_rows: int,
    reps: int,
    pg_url: str | None = DEFAULT_PG,
    workdir: str | None = None,
    floor: bool = True,
    profile_dir: str | None = None,
    sqlite: bool = True,
) -> dict[str, Any]:
    """The whole benchmark; ``pg_url=None`` skips PostgreSQL (the smoke test runs SQLite only), ``sqlite=False``
    SQLite (for repeated PostgreSQL runs)."""
    with tempfile.TemporaryDirectory(dir=workdir) as directory:
        folder = Path(directory)
        files = write_files(orders_frame(rows=rows, reps=reps), folder, xlsx_rows=xlsx_rows)
        result: dict[str, Any] = {"rows": rows, "xlsx_rows": xlsx_rows, "reps": reps, "machine": data.machine()}
        result["files"] = {k: v for k, v in files.items() if k not in ("csv", "xlsx")}

        def profile(name: str) -> str | None:
            return str(Path(profile_dir) / f"{name}.prof") if profile_dir else None

        if pg_url:
            result["postgresql"] = _child(pg_url, files["csv"], files["xlsx"], reps, profile("postgresql"))
        if sqlite:
            sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
            result["sqlite"] = _child(sqlite_url, files["csv"], files["xlsx"], reps, profile("sqlite"))
    if floor:
        result["floor"] = data.run_floor(rows=rows, reps=reps)
    result["goals"] = goals(result)
    return result


def goals(result: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets against what was measured (None when that phase did not run)."""
    pg = result.get("postgresql", {})
    sqlite = result.get("sqlite", {})

    def rate(section: dict[str, Any], key: str) -> int | None:
        return section.get(key, {}).get("rows_per_s")

    checks = {
        "postgresql_csv_250k": (rate(pg, "csv_import"), 250_000),
        "xlsx_100k": (rate(pg, "xlsx_import"), 100_000),
        "sqlite_csv_100k": (rate(sqlite, "csv_import"), 100_000),
    }
    return {
        name: {"measured_rows_per_s": value, "goal": goal, "met": None if value is None else value >= goal}
        for name, (value, goal) in checks.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--pg-url", default=os.environ.get("ATTAIN_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--profile-dir", help="write cProfile stats of each import here")
    parser.add_argument("--workdir", help="where the CSV/XLSX files go (default: the system temp folder)")
    # internal: one phase in a child process
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--xlsx", help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(phase(args), default=str))
        return
    result = run(
        rows=args.rows,
        xlsx_rows=args.xlsx_rows,
        reps=args.reps,
        pg_url=None if args.no_postgres else args.pg_url,
        workdir=args.workdir,
        floor=not args.no_floor,
        profile_dir=args.profile_dir,
        sqlite=not args.no_sqlite,
    )
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
