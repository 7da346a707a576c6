"""Request and response bodies of the accounts API (one ``XxxIn`` / ``XxxOut`` per operation)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from attain.accounts.choices import Role


class ScopeOut(Schema):
    """What the user may see: everything, or so many units and people."""

    is_all: bool
    unit_count: int
    person_count: int
    description: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    role: str
    role_label: str
    language: str
    capabilities: list[str]
    scope: ScopeOut


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: dt.datetime | None = None


class TokenCreatedOut(TokenOut):
    """The new token and its secret: shown this once, never stored, never shown again."""

    secret: str


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    first_name: str
    last_name: str
    role: str
    is_active: bool
    scope_unit_id: int | None
    person_id: int | None


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str | None = None
    role: Role
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    scope_unit_id: int | None = None
    person_id: int | None = None
