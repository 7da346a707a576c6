"""REST endpoints of the accounts domain: who am I, my API tokens, users (for user managers)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from attain.accounts import selectors, services
from attain.accounts.choices import Capability, Role
from attain.accounts.models import ApiToken, User
from attain.accounts.schemas import MeOut, ScopeOut, TokenCreatedOut, TokenIn, TokenOut, UserIn, UserOut
from attain.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from attain.core.scope import scope_for
from attain.org import selectors as org_selectors

router = Router(tags=["accounts"])


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the API's auth guarantees an authenticated User
    return user


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _user_out(user: User) -> UserOut:
    person = getattr(user, "person", None)  # the reverse one-to-one raises AttributeError when unlinked
    return UserOut(
        id=user.pk,
        username=user.username,
        full_name=user.get_full_name(),
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        role=user.role,
        is_active=user.is_active,
        scope_unit_id=user.scope_unit_id,
        person_id=person.pk if person is not None else None,
    )


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    """The authenticated user, their capabilities and a summary of their data scope."""
    user = _actor(request)
    scope = scope_for(user)
    return MeOut(
        id=user.pk,
        username=user.username,
        full_name=user.get_full_name(),
        email=user.email,
        role=user.role,
        role_label=str(Role(user.role).label) if user.role in Role.values else user.role,
        language=user.preferred_language,
        capabilities=selectors.user_capabilities(user),
        scope=ScopeOut(
            is_all=scope.is_all,
            unit_count=len(scope.unit_ids),
            person_count=len(scope.person_ids),
            description=selectors.user_scope_describe(user=user),
        ),
    )


@router.get("/tokens", response=list[TokenOut])
def token_list(request: HttpRequest) -> list[dict[str, Any]]:
    """My API tokens (never their secrets)."""
    return [_token_out(t) for t in selectors.api_token_list(actor=_actor(request))]


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Create an API token for myself; the secret is in this response only."""
    expires_at = payload.expires_at
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    token, secret = services.api_token_create(user=_actor(request), name=payload.name, expires_at=expires_at)
    return Status(201, {**_token_out(token), "secret": secret})


@router.delete("/tokens/{token_id}", response={204: None})
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    """Revoke one of my tokens (another user's token is reported as not found)."""
    actor = _actor(request)
    services.api_token_revoke(actor=actor, token=selectors.api_token_get(actor=actor, pk=token_id))
    return Status(204, None)


@router.get("/users", response=list[UserOut])
def user_list(request: HttpRequest) -> list[UserOut]:
    """All users (user managers only)."""
    actor = _actor(request)
    if not selectors.user_can(actor, Capability.USERS_MANAGE):
        raise PermissionDeniedError(_("You may not manage users."), code="users_manage_denied")
    return [_user_out(u) for u in selectors.user_list(actor=actor)]


@router.post("/users", response={201: UserOut})
def user_create(request: HttpRequest, payload: UserIn) -> Status[UserOut]:
    """Create a user (user managers only); without a password the login can only use API tokens."""
    actor = _actor(request)
    if not selectors.user_can(actor, Capability.USERS_MANAGE):
        raise PermissionDeniedError(_("You may not manage users."), code="users_manage_denied")
    scope_unit = person = None
    try:
        if payload.scope_unit_id is not None:
            scope_unit = org_selectors.unit_get(actor=actor, pk=payload.scope_unit_id)
        if payload.person_id is not None:
            person = org_selectors.person_get(actor=actor, pk=payload.person_id)
    except NotFoundError as exc:
        field = "person_id" if payload.scope_unit_id is None or scope_unit is not None else "scope_unit_id"
        raise ValidationError(exc.message, field=field) from exc
    user = services.user_create(
        actor=actor,
        username=payload.username,
        password=payload.password,
        role=payload.role,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        scope_unit=scope_unit,
        person=person,
    )
    return Status(201, _user_out(user))
