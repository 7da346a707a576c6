"""Import stage 1: parse and check every row of the Units, People and Memberships sheets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from attain.org.choices import MembershipRole, UnitKind
from attain.org.io.columns import (
    KIND_VALUES,
    MEMBERSHIPS,
    PEOPLE,
    ROLE_VALUES,
    UNITS,
    cell_text,
    parse_bool,
)
from attain.org.io.importing._common import _ImporterBase, _MembershipRow, _PersonRow, _UnitRow
from attain.org.io.reading import Table
from attain.org.models import Person


class _Parsing(_ImporterBase):
    """Parse each row into a checked record; a row with any problem is reported and left out."""

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


def _kind_by_label(text: str) -> str | None:
    lowered = text.lower()
    return next((value for value, label in UnitKind.choices if str(label).lower() == lowered), None)


def _role_by_label(text: str) -> str | None:
    lowered = text.lower()
    return next((value for value, label in MembershipRole.choices if str(label).lower() == lowered), None)
