"""``sql.import_tuning``: SQLite connection settings for an import are set, then put back (SQLite and PostgreSQL)."""

from __future__ import annotations

import polars as pl
import pytest
from django.db import connection, transaction
from django.utils import timezone

from attain.sales.io import sql
from attain.sales.models import Customer


def _pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


def _customers() -> pl.DataFrame:
    return pl.DataFrame({"source": ["t"], "external_id": ["A"], "name": ["Acme"]}).with_columns(
        pl.lit("").alias("segment"), pl.lit(value=False).alias("is_key_account"), pl.lit(value=True).alias("is_active")
    )


@pytest.mark.django_db(transaction=True)
def test_settings_hold_during_the_import_and_are_reset_after() -> None:
    if connection.vendor != "sqlite":
        with sql.import_tuning(), transaction.atomic():
            counts = sql.upsert(
                table=Customer._meta.db_table, key=["source", "external_id"], frame=_customers(), now=timezone.now()
            )
        assert counts.created == 1
        return
    cache, temp = _pragma("cache_size"), _pragma("temp_store")
    with sql.import_tuning():
        assert _pragma("cache_size") == -sql.SQLITE_CACHE_KIB
        assert _pragma("temp_store") == 2  # MEMORY
        with transaction.atomic():
            counts = sql.upsert(
                table=Customer._meta.db_table, key=["source", "external_id"], frame=_customers(), now=timezone.now()
            )
    assert counts.created == 1
    assert (_pragma("cache_size"), _pragma("temp_store")) == (cache, temp)
    assert _pragma("synchronous") != 0  # never OFF


@pytest.mark.django_db
def test_inside_a_transaction_only_the_cache_changes() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    cache, temp = _pragma("cache_size"), _pragma("temp_store")
    with sql.import_tuning():
        assert _pragma("cache_size") == -sql.SQLITE_CACHE_KIB
        assert _pragma("temp_store") == temp  # SQLite refuses to change it inside a transaction
    assert _pragma("cache_size") == cache
