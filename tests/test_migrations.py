"""Migrations are linear (one leaf per app) and the newest of each project app can be unapplied and applied again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

PROJECT_APPS = ("core", "accounts", "org", "sales")


@pytest.mark.django_db
def test_each_app_has_one_line_of_migrations() -> None:
    executor = MigrationExecutor(connection)
    leaves: dict[str, list[str]] = {}
    for app, name in executor.loader.graph.leaf_nodes():
        leaves.setdefault(app, []).append(name)
    for app in PROJECT_APPS:
        assert len(leaves.get(app, [])) == 1, f"{app} has more than one newest migration: {leaves.get(app)}"


@pytest.mark.parametrize("app", ["sales"])
def test_the_newest_migration_goes_back_and_forth(transactional_db: None, app: str) -> None:
    executor = MigrationExecutor(connection)
    newest = next(node for node in executor.loader.graph.leaf_nodes() if node[0] == app)
    parents = [p for p in executor.loader.graph.node_map[newest].parents if p.key[0] == app]
    assert parents, f"{newest} has no earlier migration of {app}"
    before = _index_names()
    executor.migrate([parents[0].key])
    executor = MigrationExecutor(connection)
    executor.migrate([newest])
    assert _index_names() == before


def _index_names() -> set[tuple[str, str]]:
    names: set[tuple[str, str]] = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if not table.startswith("sales_"):
                continue
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                if info["index"] and not info["primary_key"] and not name.startswith("sqlite_autoindex"):
                    names.add((table, name if not name.startswith("__") else ",".join(info["columns"])))
    return names
