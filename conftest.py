"""Repository-wide pytest configuration (fixtures live in tests/ and each app's tests/)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _sqlite_flush_past_audit_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let transactional tests end cleanly on SQLite despite the audit log's append-only triggers.

    pytest-django ends a transactional test with a flush, which SQLite does with DELETE and the triggers
    refuse; PostgreSQL flushes with TRUNCATE, which row triggers do not see. On SQLite the triggers are lifted
    for one statement, the audit rows deleted, and the triggers put back exactly as they were.
    """
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so its flush runs after this teardown
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditevent'")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute("DELETE FROM core_auditevent")
        for _name, sql in triggers:
            cursor.execute(sql)
