"""Import stage 2: compare the parsed rows with what is stored, check data scope and membership overlaps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext as _

from attain.org.choices import MembershipRole
from attain.org.io.columns import MEMBERSHIPS, PEOPLE, UNITS
from attain.org.io.importing._common import _Span
from attain.org.io.importing.parsing import _Parsing
from attain.org.io.reading import Table
from attain.org.models import Membership


class _Classification(_Parsing):
    """Count each row as created, updated or unchanged; a change outside the actor's scope is an error."""

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


def _overlaps(a: _Span, b: _Span) -> bool:
    a_end = a.valid_to or dt.date.max
    b_end = b.valid_to or dt.date.max
    return a.valid_from <= b_end and b.valid_from <= a_end
