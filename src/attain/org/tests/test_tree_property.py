"""Property: for random trees and random moves, the one-query subtree equals the recursive definition."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.core.errors import ValidationError
from attain.org import selectors, services
from attain.org.choices import UnitKind
from attain.org.models import Unit


def _recursive_subtree(unit_id: int, children: dict[int | None, list[int]]) -> set[int]:
    result = {unit_id}
    for child in children.get(unit_id, []):
        result |= _recursive_subtree(child, children)
    return result


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parents=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=14),
    moves=st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1001)), max_size=6),
)
def test_subtree_query_matches_recursive_definition(parents, moves):
    Unit.objects.update(parent=None)  # PROTECT on parent: detach before clearing the previous example
    Unit.objects.all().delete()
    units: list[Unit] = []
    for index, choice in enumerate(parents):
        # choice picks a parent among the units made so far, or none (a new root) when it falls past them
        parent = units[choice % (index + 1)] if index and choice % (index + 1) < index else None
        units.append(
            services.unit_create(actor=None, code=f"P{index}", name=f"P{index}", kind=UnitKind.OTHER, parent=parent)
        )
    for unit_choice, parent_choice in moves:
        unit = units[unit_choice % len(units)]
        new_parent = None if parent_choice % (len(units) + 1) == len(units) else units[parent_choice % (len(units) + 1)]
        with contextlib.suppress(ValidationError):  # a cycle, refused
            services.unit_move(actor=None, unit=unit, new_parent=new_parent)
    stored = list(Unit.objects.all())
    children: dict[int | None, list[int]] = {}
    for unit in stored:
        children.setdefault(unit.parent_id, []).append(unit.pk)
    by_id = {unit.pk: unit for unit in stored}
    for unit in stored:
        assert {u.pk for u in selectors.unit_subtree(unit=unit)} == _recursive_subtree(unit.pk, children)
        depth, current = 0, unit
        while current.parent_id is not None:
            depth, current = depth + 1, by_id[current.parent_id]
        assert unit.depth == depth
