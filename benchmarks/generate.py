"""Build a large sales data set directly with bulk paths (COPY on PostgreSQL) into the configured database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attain_bench \\
        python -m benchmarks.generate --rows 10000000 --reps 10000 [--parquet-dir DIR] [--create-db]

The data is ``floor.py``'s workload (same ``generate(rows, reps, seed)``, or the parquet files its
``--parquet-dir`` wrote), mapped to Attain rows as ``benchmarks/data.py`` describes: people, teams and
memberships, customers, products, then orders, one line each, and collections for collected orders.
Prints one JSON object with row counts and timings. The database should be fresh (``--create-db`` drops and
creates the PostgreSQL database named in the URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from typing import Any

import polars as pl

from benchmarks import data

CANCELLED, COLLECTED = 3, 2
TERMS_DAYS = 30


def facts_frames(tx: pl.DataFrame, ref: dict[str, Any], *, order_start: int) -> dict[str, pl.DataFrame]:
    """The floor's transactions as Attain ``Order`` / ``OrderLine`` / ``Collection`` rows (ids from ``order_start``)."""
    now = dt.datetime.now(dt.UTC).isoformat()
    person = pl.Series("person", ref["person_ids"], dtype=pl.Int64)
    team = pl.Series("team", ref["team_ids"], dtype=pl.Int64)
    base = tx.select(
        (pl.col("id") + order_start - 1).alias("order_id"),
        pl.col("id"),
        pl.col("rep_id"),
        pl.col("customer_id"),
        pl.col("product_id"),
        pl.col("date"),
        pl.col("amount"),
        pl.col("cost"),
        pl.col("status"),
    )
    person_ids = person.to_numpy()
    team_ids = team.to_numpy()
    rep_numbers = base["rep_id"].to_numpy()
    base = base.with_columns(
        pl.Series("person_id", person_ids[rep_numbers]),
        pl.Series("unit_id", team_ids[rep_numbers // data.REPS_PER_TEAM]),
    )
    orders = base.select(
        pl.col("order_id").alias("id"),
        pl.lit(data.SOURCE).alias("source"),
        pl.format("BO{}", pl.col("id").cast(pl.String).str.zfill(8)).alias("external_id"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
        pl.col("date").alias("booked_on"),
        (pl.col("customer_id").cast(pl.Int64) + ref["customer_start"]).alias("customer_id"),
        pl.col("person_id"),
        pl.col("unit_id"),
        pl.lit("CNY").alias("currency"),
        data.cents_text("amount").alias("amount"),
        data.cents_text("cost").alias("cost"),
        pl.lit(TERMS_DAYS).alias("payment_terms_days"),
        (pl.col("date") + pl.duration(days=TERMS_DAYS)).alias("due_on"),
        pl.when(pl.col("status") == CANCELLED).then(pl.lit("cancelled")).otherwise(pl.lit("booked")).alias("status"),
        pl.lit("").alias("note"),
    )
    lines = base.select(
        pl.col("order_id"),
        pl.lit(1).alias("line_no"),
        (pl.col("product_id").cast(pl.Int64) + ref["product_start"]).alias("product_id"),
        pl.lit("1.000").alias("quantity"),
        data.cents_text("amount").alias("unit_price"),
        data.cents_text("amount").alias("amount"),
        data.cents_text("cost").alias("cost"),
    )
    collections = base.filter(pl.col("status") == COLLECTED).select(
        pl.lit(data.SOURCE).alias("source"),
        pl.format("BK{}", pl.col("id").cast(pl.String).str.zfill(8)).alias("external_id"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
        pl.col("order_id"),
        pl.col("person_id"),
        pl.col("unit_id"),
        (pl.col("date") + pl.duration(days=TERMS_DAYS)).alias("received_on"),
        data.cents_text("amount").alias("amount"),
        pl.lit("CNY").alias("currency"),
        pl.lit("").alias("reference"),
        pl.lit("").alias("note"),
    )
    return {"Order": orders, "OrderLine": lines, "Collection": collections}


def _skip_foreign_key_triggers() -> bool:
    """On PostgreSQL (as a superuser) skip per-row foreign-key triggers for this transaction.

    The generator's ids are consistent by construction; checking 3 foreign keys for each of millions of
    COPYed rows would triple the load time. Returns whether the checks are off (never on SQLite).
    """
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def generate(*, rows: int, reps: int, seed: int = 42, parquet_dir: str | None = None) -> dict[str, Any]:
    """Load the floor's workload of ``rows`` transactions and ``reps`` reps into the configured database."""
    from django.db import transaction

    timings: dict[str, float] = {}
    started = time.perf_counter()
    tx, rep_frame = data.workload(rows=rows, reps=reps, seed=seed, parquet_dir=parquet_dir)
    timings["workload_s"] = time.perf_counter() - started
    customers = int(tx["customer_id"].cast(pl.Int64).max() or 0) + 1  # type: ignore[arg-type]
    mark = time.perf_counter()
    ref = data.reference_create(reps=rep_frame.height, customers=customers)
    timings["reference_s"] = time.perf_counter() - mark
    counts = {"reps": rep_frame.height, "customers": customers}
    with transaction.atomic():
        replica = _skip_foreign_key_triggers()
        frames = facts_frames(tx, ref, order_start=data.next_id(data.table("Order")))
        for name in ("Order", "OrderLine", "Collection"):
            mark = time.perf_counter()
            data.bulk_insert(data.table(name), frames[name])
            timings[f"{name.lower()}_s"] = time.perf_counter() - mark
            counts[name.lower()] = frames[name].height
        data.reset_sequences("sales.Order", "sales.OrderLine", "sales.Collection")
    timings["total_s"] = time.perf_counter() - started
    counts["foreign_key_checks"] = 0 if replica else 1
    orders_per_s = rows / (timings["order_s"] + timings["orderline_s"]) if rows else 0.0
    return {
        "rows": rows,
        "reps": reps,
        "counts": counts,
        **{key: round(value, 3) for key, value in timings.items()},
        "orders_with_lines_per_s": round(orders_per_s),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--parquet-dir", help="read floor.py's tx.parquet / reps.parquet from here")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--create-db", action="store_true", help="drop and create the PostgreSQL database first")
    args = parser.parse_args(argv)
    if args.create_db and args.database_url and args.database_url.startswith("postgres"):
        data.create_postgres_database(args.database_url)
    data.django_setup(args.database_url)
    result = generate(rows=args.rows, reps=args.reps, seed=args.seed, parquet_dir=args.parquet_dir)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
