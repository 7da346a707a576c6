"""REST endpoints of the accounts domain."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from attain.accounts.models import User

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    role: str
    language: str


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    """The authenticated user."""
    user = request.user
    assert isinstance(user, User)
    return MeOut(id=user.pk, username=user.username, role=user.role, language=user.preferred_language)
