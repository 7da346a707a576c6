"""Request and response bodies of the org API (one ``XxxIn`` / ``XxxOut`` per operation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from attain.org.choices import MembershipRole, UnitKind


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    is_active: bool
    member_count: int | None = None
    manager_count: int | None = None


class UnitIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    kind: UnitKind = UnitKind.TEAM
    parent_id: int | None = None


class PersonOut(Schema):
    id: int
    employee_no: str
    name: str
    email: str
    phone: str
    hired_on: dt.date | None
    left_on: dt.date | None
    user_id: int | None


class PersonIn(Schema):
    employee_no: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    email: str = ""
    phone: str = ""
    hired_on: dt.date | None = None


class MembershipOut(Schema):
    id: int
    person_id: int
    employee_no: str = Field(..., alias="person.employee_no")
    unit_id: int
    unit_code: str = Field(..., alias="unit.code")
    role: str
    valid_from: dt.date
    valid_to: dt.date | None
    note: str


class MembershipIn(Schema):
    person_id: int
    unit_id: int
    role: MembershipRole = MembershipRole.MEMBER
    valid_from: dt.date
    valid_to: dt.date | None = None
    note: str = Field("", max_length=200)


class TransferIn(Schema):
    to_unit_id: int
    on: dt.date
    note: str = Field("", max_length=200)


class ImportErrorOut(Schema):
    row: int | None = None
    column: str | None = None
    value: Any = None
    message: str
    field: str | None = None
    code: str


class ImportOut(Schema):
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    errors: list[ImportErrorOut]
    dry_run: bool
