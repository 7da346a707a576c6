"""Bulk import of units, people and memberships: validate everything, report every problem, write all or nothing.

Loading is set-based (one query per table), writing is bulk. Rows are matched by unit code, employee number
and (person, unit, role, start date), so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from attain.accounts.selectors import user_can
from attain.core.audit import audit_record
from attain.core.errors import ErrorDetail, ImportFileError, PermissionDeniedError
from attain.core.scope import DataScope, scope_for
from attain.org.choices import MembershipRole, UnitKind
from attain.org.io.columns import (
    KIND_VALUES,
    KINDS,
    MEMBERSHIPS,
    PEOPLE,
    ROLE_VALUES,
    UNITS,
    cell_text,
    parse_bool,
    parse_date,
)
from attain.org.io.reading import Table, read_tables
from attain.org.models import Membership, Person, Unit

if TYPE_CHECKING:
    from attain.accounts.models import User


@dataclass
class OrgImportResult:
    """What an import did (or, in a dry run, would do): counts per kind and the problems found."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    errors: list[ErrorDetail] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "errors": [detail.as_dict() for detail in self.errors],
            "dry_run": self.dry_run,
        }


@dataclass
class _UnitRow:
    row: int
    table: Table
    code: str
    name: str
    kind: str | None
    parent_code: str | None  # None: column absent → keep; "" → root
    is_active: bool | None


@dataclass
class _PersonRow:
    row: int
    employee_no: str
    values: dict[str, Any]


@dataclass
class _MembershipRow:
    row: int
    table: Table
    employee_no: str
    unit_code: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None
    note: str | None


@dataclass
class _Span:
    """A membership as it will be after the import, for overlap checks."""

    unit_code: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None
    row: int | None  # file row, or None for a stored membership the file does not mention
    pk: int | None


class _Importer:
    def __init__(self, *, actor: User | None, tables: list[Table], errors: list[ErrorDetail]) -> None:
        self.actor = actor
        self.scope: DataScope = DataScope.everything() if actor is None else scope_for(actor)
        self.tables = {table.sheet.kind: table for table in tables}
        self.errors = errors
        self.result = OrgImportResult()
        # Everything stored, loaded once (one query per table).
        self.units: dict[str, Unit] = {unit.code: unit for unit in Unit.objects.all()}
        self.units_by_id: dict[int, Unit] = {unit.pk: unit for unit in self.units.values()}
        self.people: dict[str, Person] = {}
        self.stored_memberships: dict[tuple[str, str, str, dt.date], Membership] = {}
        self.unit_rows: dict[str, _UnitRow] = {}
        self.person_rows: dict[str, _PersonRow] = {}
        self.membership_rows: list[_MembershipRow] = []

    # --- helpers ---
    def error(self, table: Table, row: int | None, key: str | None, value: Any, message: str, code: str) -> None:
        self.errors.append(
            ErrorDetail(
                message=message,
                row=row,
                column=table.column(key) if key else None,
                value=cell_text(value) if value is not None else None,
                field=table.source,
                code=code,
            )
        )

    def _date(self, table: Table, row: int, values: dict[str, Any], key: str) -> tuple[bool, dt.date | None]:
        raw = values.get(key)
        if cell_text(raw) == "":
            return True, None
        try:
            return True, parse_date(raw)
        except (ValueError, OverflowError):
            message = _("Not a date; write it like 2026-03-05, 2026/3/5 or 2026年3月5日.")
            self.error(table, row, key, raw, message, "bad_date")
            return False, None

    def _final_parent(self, code: str) -> str | None:
        """The parent code ``code`` will have after the import (None for a root)."""
        row = self.unit_rows.get(code)
        if row is not None and row.parent_code is not None:
            return row.parent_code or None
        unit = self.units.get(code)
        if unit is not None and unit.parent_id is not None:
            return self.units_by_id[unit.parent_id].code
        return None

    def _may_touch_unit(self, code: str) -> bool:
        """Whether the actor may write in unit ``code``: a stored unit in scope, or a new one under such a unit."""
        if self.scope.is_all:
            return True
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            stored = self.units.get(current)
            if stored is not None:
                return self.scope.allows_unit(stored.pk)
            current = self._final_parent(current)
        return False

    # --- units ---
    def check_units(self) -> None:
        table = self.tables.get(UNITS)
        if table is None:
            return
        first_row: dict[str, int] = {}
        for row, values in table.rows:
            code = cell_text(values.get("code"))
            name = cell_text(values.get("name"))
            ok = True
            if not code:
                self.error(table, row, "code", None, _("The code is required."), "required")
                continue
            if len(code) > 64:
                self.error(table, row, "code", code, _("At most 64 characters."), "too_long")
                ok = False
            if code in first_row:
                message = _("The code “%(code)s” appears again (first on row %(row)d).") % {
                    "code": code,
                    "row": first_row[code],
                }
                self.error(table, row, "code", code, message, "duplicate")
                continue
            first_row[code] = row
            if not name:
                self.error(table, row, "name", None, _("The name is required."), "required")
                ok = False
            elif len(name) > 200:
                self.error(table, row, "name", name, _("At most 200 characters."), "too_long")
                ok = False
            kind: str | None = None
            if table.has("kind") and cell_text(values.get("kind")):
                raw_kind = cell_text(values.get("kind"))
                kind = KIND_VALUES.get(raw_kind.lower()) or _kind_by_label(raw_kind)
                if kind is None:
                    allowed = ", ".join(UnitKind.values)
                    message = _("Unknown unit kind; use one of %(allowed)s.") % {"allowed": allowed}
                    self.error(table, row, "kind", raw_kind, message, "bad_choice")
                    ok = False
            is_active: bool | None = None
            if table.has("is_active"):
                try:
                    is_active = parse_bool(values.get("is_active"))
                except ValueError:
                    self.error(table, row, "is_active", values.get("is_active"), _("Write yes or no."), "bad_bool")
                    ok = False
            parent_code = cell_text(values.get("parent_code")) if table.has("parent_code") else None
            if ok:
                self.unit_rows[code] = _UnitRow(
                    row=row,
                    table=table,
                    code=code,
                    name=name,
                    kind=kind,
                    parent_code=parent_code,
                    is_active=is_active,
                )
        self._check_parents(table)

    def _check_parents(self, table: Table) -> None:
        for unit_row in list(self.unit_rows.values()):
            parent = unit_row.parent_code
            if parent and parent not in self.units and parent not in self.unit_rows:
                message = _("Unknown parent unit “%(code)s”.") % {"code": parent}
                self.error(table, unit_row.row, "parent_code", parent, message, "unknown_parent")
                del self.unit_rows[unit_row.code]
        for unit_row in list(self.unit_rows.values()):
            seen = [unit_row.code]
            current = self._final_parent(unit_row.code)
            while current is not None:
                if current == unit_row.code:
                    path = " → ".join([*seen, current])
                    message = _("This parent would make a cycle: %(path)s.") % {"path": path}
                    self.error(table, unit_row.row, "parent_code", unit_row.parent_code, message, "cycle")
                    break
                if current in seen:  # a cycle above this unit, reported on its own rows
                    break
                seen.append(current)
                current = self._final_parent(current)

    def classify_units(self) -> None:
        for unit_row in self.unit_rows.values():
            stored = self.units.get(unit_row.code)
            if stored is None:
                self.result.created[UNITS] += 1
                changed = True
            else:
                parent = self.units_by_id[stored.parent_id].code if stored.parent_id else ""
                changed = (
                    stored.name != unit_row.name
                    or (unit_row.kind is not None and stored.kind != unit_row.kind)
                    or (unit_row.is_active is not None and stored.is_active != unit_row.is_active)
                    or (unit_row.parent_code is not None and parent != unit_row.parent_code)
                )
                if changed:
                    self.result.updated[UNITS] += 1
                else:
                    self.result.unchanged[UNITS] += 1
            if changed and not self._may_touch_unit(unit_row.code):
                message = _("This unit is outside your data scope.")
                self.error(unit_row.table, unit_row.row, "code", unit_row.code, message, "out_of_scope")
            if (
                changed
                and stored is not None
                and unit_row.parent_code
                and not self._may_touch_unit(unit_row.parent_code)
            ):
                message = _("The new parent unit is outside your data scope.")
                self.error(unit_row.table, unit_row.row, "parent_code", unit_row.parent_code, message, "out_of_scope")

    # --- people ---
    def check_people(self) -> None:
        wanted = {cell_text(values.get("employee_no")) for table in self.tables.values() for _row, values in table.rows}
        wanted.discard("")
        # Lock the people the file names, so concurrent membership changes wait for the import.
        people = Person.objects.select_for_update()
        if len(wanted) <= 5000:  # keep under every backend's bound-parameter limit
            people = people.filter(employee_no__in=sorted(wanted))
        self.people = {person.employee_no: person for person in people}
        table = self.tables.get(PEOPLE)
        if table is None:
            return
        first_row: dict[str, int] = {}
        for row, raw in table.rows:
            employee_no = cell_text(raw.get("employee_no"))
            if not employee_no:
                self.error(table, row, "employee_no", None, _("The employee number is required."), "required")
                continue
            if employee_no in first_row:
                message = _("The employee number “%(number)s” appears again (first on row %(row)d).") % {
                    "number": employee_no,
                    "row": first_row[employee_no],
                }
                self.error(table, row, "employee_no", employee_no, message, "duplicate")
                continue
            first_row[employee_no] = row
            ok = True
            values: dict[str, Any] = {}
            name = cell_text(raw.get("name"))
            if not name:
                self.error(table, row, "name", None, _("The name is required."), "required")
                ok = False
            values["name"] = name
            if len(employee_no) > 64:
                self.error(table, row, "employee_no", employee_no, _("At most 64 characters."), "too_long")
                ok = False
            if table.has("email"):
                email = cell_text(raw.get("email"))
                if email:
                    try:
                        validate_email(email)
                    except DjangoValidationError:
                        self.error(table, row, "email", email, _("Not a valid email address."), "bad_email")
                        ok = False
                values["email"] = email
            if table.has("phone"):
                phone = cell_text(raw.get("phone"))
                if len(phone) > 32:
                    self.error(table, row, "phone", phone, _("At most 32 characters."), "too_long")
                    ok = False
                values["phone"] = phone
            for key in ("hired_on", "left_on"):
                if table.has(key):
                    valid, parsed = self._date(table, row, raw, key)
                    ok = ok and valid
                    values[key] = parsed
            hired = values.get("hired_on", self.people[employee_no].hired_on if employee_no in self.people else None)
            left = values.get("left_on", self.people[employee_no].left_on if employee_no in self.people else None)
            if ok and hired and left and left < hired:
                message = _("The leaving date is before the hiring date.")
                self.error(table, row, "left_on", raw.get("left_on"), message, "bad_range")
                ok = False
            if ok:
                self.person_rows[employee_no] = _PersonRow(row=row, employee_no=employee_no, values=values)

    def classify_people(self) -> None:
        table = self.tables.get(PEOPLE)
        for person_row in self.person_rows.values():
            stored = self.people.get(person_row.employee_no)
            if stored is None:
                self.result.created[PEOPLE] += 1
                continue
            if all(getattr(stored, key) == value for key, value in person_row.values.items()):
                self.result.unchanged[PEOPLE] += 1
                continue
            self.result.updated[PEOPLE] += 1
            if table is not None and not self.scope.allows_person(stored.pk):
                message = _("This person is outside your data scope.")
                self.error(table, person_row.row, "employee_no", person_row.employee_no, message, "out_of_scope")

    # --- memberships ---
    def check_memberships(self) -> None:
        table = self.tables.get(MEMBERSHIPS)
        if table is None:
            return
        known_people = set(self.people) | set(self.person_rows)
        known_units = set(self.units) | set(self.unit_rows)
        first_row: dict[tuple[str, str, str, dt.date], int] = {}
        for row, raw in table.rows:
            ok = True
            employee_no = cell_text(raw.get("employee_no"))
            unit_code = cell_text(raw.get("unit_code"))
            if not employee_no:
                self.error(table, row, "employee_no", None, _("The employee number is required."), "required")
                ok = False
            elif employee_no not in known_people:
                message = _("Unknown person “%(number)s”.") % {"number": employee_no}
                self.error(table, row, "employee_no", employee_no, message, "unknown_person")
                ok = False
            if not unit_code:
                self.error(table, row, "unit_code", None, _("The unit code is required."), "required")
                ok = False
            elif unit_code not in known_units:
                message = _("Unknown org unit “%(code)s”.") % {"code": unit_code}
                self.error(table, row, "unit_code", unit_code, message, "unknown_unit")
                ok = False
            raw_role = cell_text(raw.get("role"))
            role = (
                (ROLE_VALUES.get(raw_role.lower()) or _role_by_label(raw_role)) if raw_role else MembershipRole.MEMBER
            )
            if role is None:
                allowed = ", ".join(MembershipRole.values)
                message = _("Unknown role; use one of %(allowed)s.") % {"allowed": allowed}
                self.error(table, row, "role", raw_role, message, "bad_choice")
                ok = False
            valid, valid_from = self._date(table, row, raw, "valid_from")
            if valid and valid_from is None:
                self.error(table, row, "valid_from", None, _("The start date is required."), "required")
            ok = ok and valid and valid_from is not None
            valid, valid_to = self._date(table, row, raw, "valid_to")
            ok = ok and valid
            if valid_from and valid_to and valid_to < valid_from:
                message = _("The end date is before the start date.")
                self.error(table, row, "valid_to", raw.get("valid_to"), message, "bad_range")
                ok = False
            note = cell_text(raw.get("note")) if table.has("note") else None
            if note is not None and len(note) > 200:
                self.error(table, row, "note", note, _("At most 200 characters."), "too_long")
                ok = False
            if not ok or role is None or valid_from is None:
                continue
            key = (employee_no, unit_code, role, valid_from)
            if key in first_row:
                message = _("The same membership appears again (first on row %(row)d).") % {"row": first_row[key]}
                self.error(table, row, "valid_from", raw.get("valid_from"), message, "duplicate")
                continue
            first_row[key] = row
            self.membership_rows.append(
                _MembershipRow(
                    row=row,
                    table=table,
                    employee_no=employee_no,
                    unit_code=unit_code,
                    role=role,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    note=note,
                )
            )

    def classify_memberships(self) -> None:
        table = self.tables.get(MEMBERSHIPS)
        if table is None:
            return
        person_ids = {person.pk: number for number, person in self.people.items()}
        stored: dict[tuple[str, str, str, dt.date], Membership] = {}
        spans: dict[str, list[_Span]] = defaultdict(list)
        for membership in Membership.objects.filter(person_id__in=sorted(person_ids)):
            number = person_ids[membership.person_id]
            unit_code = self.units_by_id[membership.unit_id].code
            stored[(number, unit_code, membership.role, membership.valid_from)] = membership
        self.stored_memberships = stored
        in_file = set()
        for member_row in self.membership_rows:
            key = (member_row.employee_no, member_row.unit_code, member_row.role, member_row.valid_from)
            in_file.add(key)
            existing = stored.get(key)
            if existing is None:
                self.result.created[MEMBERSHIPS] += 1
                changed = True
            else:
                changed = existing.valid_to != member_row.valid_to or (
                    member_row.note is not None and existing.note != member_row.note
                )
                if changed:
                    self.result.updated[MEMBERSHIPS] += 1
                else:
                    self.result.unchanged[MEMBERSHIPS] += 1
            if changed and not self._may_touch_unit(member_row.unit_code):
                message = _("This org unit is outside your data scope.")
                self.error(table, member_row.row, "unit_code", member_row.unit_code, message, "out_of_scope")
            spans[member_row.employee_no].append(
                _Span(
                    unit_code=member_row.unit_code,
                    role=member_row.role,
                    valid_from=member_row.valid_from,
                    valid_to=member_row.valid_to,
                    row=member_row.row,
                    pk=existing.pk if existing else None,
                )
            )
        for key, membership in stored.items():
            if key not in in_file:
                spans[key[0]].append(
                    _Span(
                        unit_code=key[1],
                        role=membership.role,
                        valid_from=membership.valid_from,
                        valid_to=membership.valid_to,
                        row=None,
                        pk=membership.pk,
                    )
                )
        for number, person_spans in spans.items():
            self._check_overlaps(table, number, person_spans)

    def _check_overlaps(self, table: Table, number: str, spans: list[_Span]) -> None:
        spans.sort(key=lambda span: (span.valid_from, span.row or 0))
        for index, later in enumerate(spans):
            if later.row is None:
                continue
            for earlier in spans[:index] + [s for s in spans[index + 1 :] if s.row is None]:
                same_kind = (earlier.role == later.role == MembershipRole.MEMBER) or (
                    earlier.role == later.role and earlier.unit_code == later.unit_code
                )
                if not same_kind or not _overlaps(earlier, later):
                    continue
                if earlier.row is not None:
                    where = _("row %(row)d") % {"row": earlier.row}
                else:
                    where = _("the stored membership #%(id)s") % {"id": earlier.pk}
                end = earlier.valid_to.isoformat() if earlier.valid_to else _("open")
                message = _(
                    "%(number)s would be in two memberships at once: overlaps %(where)s "
                    "(%(unit)s, %(role)s, %(start)s – %(end)s)."
                ) % {
                    "number": number,
                    "where": where,
                    "unit": earlier.unit_code,
                    "role": earlier.role,
                    "start": earlier.valid_from.isoformat(),
                    "end": end,
                }
                self.error(table, later.row, "valid_from", later.valid_from.isoformat(), message, "overlap")
                break

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


def _overlaps(a: _Span, b: _Span) -> bool:
    a_end = a.valid_to or dt.date.max
    b_end = b.valid_to or dt.date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def _kind_by_label(text: str) -> str | None:
    lowered = text.lower()
    return next((value for value, label in UnitKind.choices if str(label).lower() == lowered), None)


def _role_by_label(text: str) -> str | None:
    lowered = text.lower()
    return next((value for value, label in MembershipRole.choices if str(label).lower() == lowered), None)


@transaction.atomic
def org_import(
    *, actor: User | None, data: bytes, filename: str, encoding: str | None = None, dry_run: bool = False
) -> OrgImportResult:
    """Import an XLSX workbook (sheets Units / People / Memberships, or 组织单元 / 人员 / 任职) or one CSV.

    Every problem is collected with its row, column and value; if there is any, ``ImportFileError`` is raised
    and nothing is written. ``dry_run`` validates and counts without writing.
    """
    if actor is not None and not user_can(actor, "org.change"):
        raise PermissionDeniedError(_("You may not change the organisation."))
    errors: list[ErrorDetail] = []
    tables = read_tables(data=data, filename=filename, encoding=encoding, errors=errors)
    importer = _Importer(actor=actor, tables=tables, errors=errors)
    if not errors:
        importer.check_units()
        importer.check_people()
        importer.check_memberships()
        importer.classify_units()
        importer.classify_people()
        importer.classify_memberships()
    result = importer.result
    result.dry_run = dry_run
    result.errors = errors
    if errors:
        count = len(errors)
        message = _("The file has %(count)d problem(s); nothing was imported.") % {"count": count}
        raise ImportFileError(message, details=errors)
    if not dry_run and result.changes:
        importer.write()
        audit_record(
            actor=actor,
            action="org.import",
            object_type="org.import",
            object_id=filename[:64] or "-",
            after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    return result
