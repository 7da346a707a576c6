"""Shared pieces of the benchmarks: the floor's workload, the machine, Django set-up and bulk writers.

The synthetic workload is ``../shared/bench/floor.py``'s ``generate(rows, reps, seed)`` (loaded from that
file, or from ``tx.parquet`` / ``reps.parquet`` that ``floor.py --parquet-dir`` wrote), so the floor and
Attain's database hold exactly the same data. Its ids map to Attain rows like this:

- ``rep_id`` r → ``org.Person`` ``employee_no = BR{r:05d}``, member of team ``BENCH-T{team_id}`` (100 reps a
  team) under the company unit ``BENCH``, from 2024-01-01;
- ``customer_id`` c → ``sales.Customer`` ``external_id = BC{c:07d}``; ``product_id`` p → ``sales.Product``
  ``code = BP{p:04d}``;
- a transaction → a ``sales.Order`` (``external_id = BO{id:08d}``, one ``OrderLine``), 30-day terms; status 3
  (cancelled) → order status cancelled, status 2 (collected) → a ``Collection`` of the full amount.

Bulk rows go in with PostgreSQL ``COPY`` (CSV made by Polars) or, on SQLite, ``executemany`` in chunks.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parent.parent
FLOOR = Path(os.environ.get("ATTAIN_FLOOR", REPO.parent / "shared" / "bench" / "floor.py"))
SOURCE = "bench"
COMPANY_CODE = "BENCH"
REPS_PER_TEAM = 100
MEMBER_FROM = dt.date(2024, 1, 1)
CHUNK = 500_000


def floor_module() -> ModuleType:
    """``floor.py`` as a module (its ``generate`` is the workload every benchmark shares)."""
    if not FLOOR.is_file():
        raise SystemExit(f"floor.py not found at {FLOOR} (set ATTAIN_FLOOR)")
    spec = importlib.util.spec_from_file_location("attain_bench_floor", FLOOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def workload(
    *, rows: int, reps: int, seed: int = 42, parquet_dir: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The floor's ``(tx, reps)`` frames: read from ``parquet_dir`` when given, else generated (same seed)."""
    if parquet_dir:
        return pl.read_parquet(Path(parquet_dir) / "tx.parquet"), pl.read_parquet(Path(parquet_dir) / "reps.parquet")
    tx, rep_frame = floor_module().generate(rows, reps, seed=seed)
    return tx, rep_frame


def run_floor(*, rows: int, reps: int, runs: int = 1) -> dict[str, Any]:
    """Run ``floor.py`` on the same data size and return its JSON result."""
    import json

    out = subprocess.run(
        [sys.executable, str(FLOOR), "--rows", str(rows), "--reps", str(reps), "--runs", str(runs)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def machine() -> dict[str, Any]:
    """nproc, RAM, CPU model, Python and database versions: what a reader needs to compare numbers."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def django_setup(database_url: str | None = None, *, migrate: bool = True) -> None:
    """Point Django at ``database_url`` (default: ``DATABASE_URL``), set it up and migrate."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attain.settings.base")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


def create_postgres_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in ``url`` (benchmarks use a throw-away database)."""
    import psycopg

    base, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- bulk writing ------------------------------------------------------------------------------------------


def table(model_name: str, app: str = "sales") -> str:
    from django.apps import apps

    return str(apps.get_model(app, model_name)._meta.db_table)


def _chunks(frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
    for offset in range(0, frame.height, CHUNK):
        yield frame.slice(offset, CHUNK)


def bulk_insert(table_name: str, frame: pl.DataFrame) -> None:
    """Insert ``frame`` (columns named as the table's) with COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

    columns = ", ".join(f'"{name}"' for name in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f'COPY "{table_name}" ({columns}) FROM STDIN (FORMAT csv)'
            with cursor.cursor.copy(sql) as copy:
                for chunk in _chunks(frame):
                    buffer = io.BytesIO()
                    chunk.write_csv(buffer, include_header=False, null_value="")
                    copy.write(buffer.getvalue())
        else:
            marks = ", ".join("%s" for _name in frame.columns)
            sql = f'INSERT INTO "{table_name}" ({columns}) VALUES ({marks})'  # noqa: S608 - our own table
            for chunk in _chunks(frame):
                cursor.executemany(sql, chunk.rows())


def next_id(table_name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table_name}"')  # noqa: S608 - our table name
        return int(cursor.fetchone()[0])


def reset_sequences(*model_names: str) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    models = [apps.get_model(name) for name in model_names]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def cents_text(column: str) -> pl.Expr:
    """A float money column as exact two-decimal text (via integer cents, so no binary-float digits leak)."""
    cents = (pl.col(column) * 100).round(0).cast(pl.Int64)
    return pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))


# --- reference data: org, people, customers, products ------------------------------------------------------


def reference_create(*, reps: int, customers: int, products: int = 5_000) -> dict[str, Any]:
    """The bench company: teams of 100 reps, people with memberships, customers and products (idempotent)."""
    from django.db import transaction

    from attain.org.choices import MembershipRole, UnitKind
    from attain.org.models import Membership, Person, ProductLine, Unit

    if Unit.objects.filter(code=COMPANY_CODE).exists():
        raise SystemExit("bench data already present: use a fresh database")
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        company = Unit.objects.create(code=COMPANY_CODE, name="Bench Co", kind=UnitKind.COMPANY)
        Unit.objects.filter(pk=company.pk).update(path=f"/{company.pk}/", depth=0)
        team_count = (reps + REPS_PER_TEAM - 1) // REPS_PER_TEAM
        teams = Unit.objects.bulk_create(
            [
                Unit(code=f"{COMPANY_CODE}-T{team}", name=f"Bench team {team}", kind=UnitKind.TEAM, parent=company)
                for team in range(team_count)
            ],
            batch_size=1000,
        )
        for team in teams:
            team.path, team.depth = f"/{company.pk}/{team.pk}/", 1
        Unit.objects.bulk_update(teams, ["path", "depth"], batch_size=1000)
        people = Person.objects.bulk_create(
            [Person(employee_no=f"BR{rep:05d}", name=f"Bench rep {rep}", hired_on=MEMBER_FROM) for rep in range(reps)],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    person=person,
                    unit=teams[rep // REPS_PER_TEAM],
                    role=MembershipRole.MEMBER,
                    valid_from=MEMBER_FROM,
                )
                for rep, person in enumerate(people)
            ],
            batch_size=2000,
        )
        line = ProductLine.objects.create(code=f"{COMPANY_CODE}-PL", name="Bench products")
        product_start = next_id(table("Product"))
        bulk_insert(
            table("Product"),
            pl.DataFrame({"product": range(products)}).select(
                (pl.col("product") + product_start).alias("id"),
                pl.lit(SOURCE).alias("source"),
                pl.format("BP{}", pl.col("product").cast(pl.String).str.zfill(4)).alias("external_id"),
                pl.lit(now.isoformat()).alias("created_at"),
                pl.lit(now.isoformat()).alias("updated_at"),
                pl.format("BP{}", pl.col("product").cast(pl.String).str.zfill(4)).alias("code"),
                pl.format("Bench product {}", pl.col("product")).alias("name"),
                pl.lit(line.pk).alias("product_line_id"),
                pl.lit("100.0000").alias("list_price"),
                pl.lit("60.0000").alias("cost"),
                pl.lit("CNY").alias("currency"),
                pl.lit(True).alias("is_active"),
            ),
        )
        customer_start = next_id(table("Customer"))
        bulk_insert(
            table("Customer"),
            pl.DataFrame({"customer": range(customers)}).select(
                (pl.col("customer") + customer_start).alias("id"),
                pl.lit(SOURCE).alias("source"),
                pl.format("BC{}", pl.col("customer").cast(pl.String).str.zfill(7)).alias("external_id"),
                pl.lit(now.isoformat()).alias("created_at"),
                pl.lit(now.isoformat()).alias("updated_at"),
                pl.format("Bench customer {}", pl.col("customer")).alias("name"),
                pl.lit("").alias("segment"),
                pl.lit(False).alias("is_key_account"),
                pl.lit(True).alias("is_active"),
            ),
        )
        reset_sequences("sales.Product", "sales.Customer")
    return {
        "person_ids": [person.pk for person in people],
        "team_ids": [team.pk for team in teams],
        "customer_start": customer_start,
        "product_start": product_start,
    }
