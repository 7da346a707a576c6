"""The benchmark scripts still run (1,000 rows on SQLite); the timings themselves are never tested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FLOOR = REPO.parent / "shared" / "bench" / "floor.py"

pytestmark = pytest.mark.skipif(not FLOOR.is_file(), reason="../shared/bench/floor.py is absent")


def _run(*args: str, tmp_path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    return json.loads(out.stdout[out.stdout.index("{") :])


def test_generator_builds_the_floor_workload(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gen.sqlite3'}"
    result = _run("benchmarks.generate", "--rows", "1000", "--reps", "50", "--database-url", url, tmp_path=tmp_path)
    assert result["counts"]["order"] == 1000
    assert result["counts"]["orderline"] == 1000
    assert result["counts"]["reps"] == 50
    assert 0 < result["counts"]["collection"] < 1000


def test_import_benchmark_runs_on_sqlite(tmp_path: Path) -> None:
    result = _run(
        "benchmarks.import_orders",
        "--rows", "1000", "--xlsx-rows", "100", "--reps", "50", "--no-postgres", "--workdir", str(tmp_path),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result["sqlite"]["csv_import"]["created"] == 1000
    assert result["sqlite"]["csv_import"]["errors"] == 0
    assert result["floor"]["rows"] == 1000
    assert result["goals"]["sqlite_csv_100k"]["measured_rows_per_s"] > 0


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the PostgreSQL phase needs PostgreSQL"
)
def test_import_benchmark_runs_on_postgresql(tmp_path: Path) -> None:
    """The PostgreSQL phase (raw COPY, import, re-import, store floor, XLSX) on a scratch database it drops after."""
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"attain_bench_smoke_{os.getpid()}"
    try:
        result = _run(
            "benchmarks.import_orders",
            "--rows", "1000", "--xlsx-rows", "100", "--reps", "50", "--no-sqlite", "--no-floor",
            "--pg-url", f"{base}/{name}", "--workdir", str(tmp_path),
            tmp_path=tmp_path,
        )  # fmt: skip
    finally:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg = result["postgresql"]
    assert (pg["csv_import"]["created"], pg["csv_import"]["errors"]) == (1000, 0)
    assert (pg["csv_reimport"]["created"], pg["csv_reimport"]["updated"], pg["csv_reimport"]["unchanged"]) == (
        0,
        0,
        1000,
    )
    assert pg["store_floor"]["stored_rows"] == 2000  # 1,000 orders and their 1,000 lines
    assert set(pg["store_floor"]["index_builds"]) == {"sales_order", "sales_orderline"}
    assert pg["store_floor"]["with_indexes_s"] > pg["store_floor"]["seconds"]
    assert pg["import_vs_store_floor"] > 0
    assert "sqlite" not in result
