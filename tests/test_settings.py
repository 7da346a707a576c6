"""Settings: production passes Django's deployment checks and refuses to start without a real secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    dropped = {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set the last
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="attain.settings.production",
        SECRET_KEY="k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="attain.example.com",
        ATTAIN_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_a_missing_or_development_secret(tmp_path: Path) -> None:
    for secret in ("", "attain-development-key-not-for-production"):
        result = _manage(
            "check",
            DJANGO_SETTINGS_MODULE="attain.settings.production",
            SECRET_KEY=secret,
            ATTAIN_VAR_DIR=str(tmp_path),
        )
        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr


def test_sqlite_default_runs_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "wal.sqlite3"
    code = (
        "import django; django.setup();"
        "from django.db import connection;"
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0]);"
        "cursor.execute('PRAGMA foreign_keys'); print(cursor.fetchone()[0])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="attain.settings.base", DATABASE_URL=f"sqlite:///{db}")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]
