"""Import stage 3: bulk-write units (with their paths), people and memberships."""

from __future__ import annotations

from attain.org.choices import UnitKind
from attain.org.io.importing.classification import _Classification
from attain.org.models import Membership, Person, Unit


class _Writing(_Classification):
    """Write the checked rows set-wise: bulk create, then bulk update what changed."""

    # --- writing ---
    def write(self) -> None:
        self._write_units()
        self._write_people()
        self._write_memberships()

    def _write_units(self) -> None:
        new_units = [
            Unit(code=row.code, name=row.name, kind=row.kind or UnitKind.TEAM, is_active=row.is_active is not False)
            for code, row in self.unit_rows.items()
            if code not in self.units
        ]
        for unit in Unit.objects.bulk_create(new_units):
            self.units[unit.code] = unit
            self.units_by_id[unit.pk] = unit
        if not self.unit_rows:
            return
        touched: dict[str, Unit] = {}
        for code, row in self.unit_rows.items():
            unit = self.units[code]
            if unit.name != row.name or (row.kind and unit.kind != row.kind):
                unit.name, unit.kind = row.name, row.kind or unit.kind
                touched[code] = unit
            if row.is_active is not None and unit.is_active != row.is_active:
                unit.is_active = row.is_active
                touched[code] = unit
        parents = {code: self._final_parent(code) for code in self.units}
        paths: dict[str, tuple[str, int]] = {}

        def place(code: str) -> tuple[str, int]:
            chain = [code]
            while parents[chain[-1]] is not None and parents[chain[-1]] not in paths:
                chain.append(parents[chain[-1]])  # type: ignore[arg-type]
            for item in reversed(chain):
                parent = parents[item]
                base, depth = paths[parent] if parent is not None else ("/", -1)
                paths[item] = (f"{base}{self.units[item].pk}/", depth + 1)
            return paths[code]

        for code, unit in self.units.items():
            path, depth = place(code)
            parent_code = parents[code]
            parent_id = self.units[parent_code].pk if parent_code else None
            if unit.path != path or unit.depth != depth or unit.parent_id != parent_id:
                unit.path, unit.depth, unit.parent_id = path, depth, parent_id
                touched[code] = unit
        Unit.objects.bulk_update(list(touched.values()), ["name", "kind", "is_active", "parent", "path", "depth"])

    def _write_people(self) -> None:
        new_people: list[Person] = []
        changed: list[Person] = []
        fields: set[str] = set()
        for number, row in self.person_rows.items():
            stored = self.people.get(number)
            if stored is None:
                new_people.append(Person(employee_no=number, **row.values))
                continue
            if any(getattr(stored, key) != value for key, value in row.values.items()):
                for key, value in row.values.items():
                    setattr(stored, key, value)
                fields.update(row.values)
                changed.append(stored)
        for person in Person.objects.bulk_create(new_people):
            self.people[person.employee_no] = person
        if changed:
            Person.objects.bulk_update(changed, sorted(fields))

    def _write_memberships(self) -> None:
        new_memberships: list[Membership] = []
        changed: list[Membership] = []
        stored = self.stored_memberships
        for row in self.membership_rows:
            existing = stored.get((row.employee_no, row.unit_code, row.role, row.valid_from))
            if existing is None:
                new_memberships.append(
                    Membership(
                        person=self.people[row.employee_no],
                        unit=self.units[row.unit_code],
                        role=row.role,
                        valid_from=row.valid_from,
                        valid_to=row.valid_to,
                        note=row.note or "",
                    )
                )
            elif existing.valid_to != row.valid_to or (row.note is not None and existing.note != row.note):
                existing.valid_to = row.valid_to
                if row.note is not None:
                    existing.note = row.note
                changed.append(existing)
        Membership.objects.bulk_create(new_memberships)
        if changed:
            Membership.objects.bulk_update(changed, ["valid_to", "note"])
