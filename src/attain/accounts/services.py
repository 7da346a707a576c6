"""Writes of the accounts domain: users and roles, API tokens, failed logins.

``actor=None`` means a system action (CLI, demo loader, migrations); otherwise managing users needs the
``users.manage`` capability, while everyone manages their own API tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attain.accounts.choices import Capability, Role
from attain.accounts.models import ApiToken, LoginAttempt, User
from attain.accounts.selectors import login_ip_normalize, login_username_normalize, user_can
from attain.core.audit import audit_record, model_snapshot
from attain.core.errors import ConflictError, PermissionDeniedError, ValidationError
from attain.org import services as org_services

if TYPE_CHECKING:
    from collections.abc import Iterable

TOKEN_PREFIX = "att_"  # noqa: S105 - a public marker, not a secret
# secrets.token_urlsafe(32) is 43 characters; anything much shorter or longer cannot be one of ours.
_TOKEN_SECRET_LENGTH = len(TOKEN_PREFIX) + 43
# Roles whose data scope may be narrowed to a subtree with ``scope_unit``; the others derive theirs.
SCOPED_ROLES = frozenset({Role.DIRECTOR, Role.HR, Role.FINANCE})
_USER_AUDIT_FIELDS = [
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "scope_unit",
    "is_active",
    "is_staff",
    "is_superuser",
]
_TOKEN_NAME_MAX_LENGTH = 100  # ApiToken.name
_TOKEN_AUDIT_FIELDS = ["user", "name", "prefix", "expires_at", "revoked_at"]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_user_manager(actor: User | None) -> None:
    """System actions (``actor=None``) and holders of ``users.manage`` may manage users; nobody else."""
    if actor is not None and not user_can(actor, Capability.USERS_MANAGE):
        raise PermissionDeniedError(_("You may not manage users."), code="users_manage_denied")


def _check_role_scope(*, role: str, scope_unit: Any) -> None:
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), field="role")
    if scope_unit is not None and role not in SCOPED_ROLES:
        raise ValidationError(
            _("Only directors, HR and finance can be limited to an org unit; other roles derive their scope."),
            field="scope_unit",
        )


def _apply_role(user: User, *, role: str, scope_unit: Any) -> None:
    """The role decides the admin flags: administrators are staff and superusers, nobody else is."""
    user.role = role
    user.scope_unit = scope_unit
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN


def _check_password(password: str, *, user: User | None = None) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(str(m) for m in exc.messages), field="password") from exc


def _link_person(*, actor: User | None, user: User, person: Any) -> None:
    """Link ``person`` to ``user``; a person has at most one login and a login at most one person."""
    person.refresh_from_db(fields=["user"])
    if person.user_id is not None and person.user_id != user.pk:
        raise ConflictError(_("This person already has a login."), field="person", code="person_has_login")
    # The person row belongs to the org app: its service checks scope, locks the row and audits the change.
    org_services.person_update(actor=actor, person=person, user=user)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None = None,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    scope_unit: Any = None,
    person: Any = None,
    password_hash: str | None = None,
) -> User:
    """Create a login with a role; without a password it cannot log in until one is set (SSO, API tokens).

    ``password_hash`` (from ``make_password``) lets bulk loaders hash a shared password once; it is never user
    input, and with it ``password`` must be None.
    """
    _require_user_manager(actor)
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("A username is required."), field="username")
    if User.objects.filter(username=username).exists():
        raise ConflictError(_("This username is taken."), field="username", code="username_taken")
    _check_role_scope(role=role, scope_unit=scope_unit)
    user = User(username=username, email=email.strip(), first_name=first_name.strip(), last_name=last_name.strip())
    try:
        user.full_clean(exclude=["password", "scope_unit", "role"], validate_unique=False)
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationError(" ".join(messages), field=field) from exc
    _apply_role(user, role=role, scope_unit=scope_unit)
    if password_hash is not None:
        if password is not None:
            raise ValidationError(_("Give a password or a password hash, not both."), field="password")
        user.password = password_hash
    elif password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user=user)
        user.set_password(password)
    user.save()
    if person is not None:
        _link_person(actor=actor, user=user, person=person)
    after = model_snapshot(user, fields=_USER_AUDIT_FIELDS)
    if person is not None:
        after["person"] = person.pk
    audit_record(actor=actor, action="accounts.user.create", instance=user, after=after)
    return user


@transaction.atomic
def user_set_role(*, actor: User | None, user: User, role: str, scope_unit: Any = None) -> User:
    """Change a user's role (and for directors, HR and finance the unit their scope is limited to)."""
    _require_user_manager(actor)
    if actor is not None and actor.pk == user.pk and role != user.role:
        raise ValidationError(_("You cannot change your own role."), field="role")
    _check_role_scope(role=role, scope_unit=scope_unit)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = model_snapshot(user, fields=_USER_AUDIT_FIELDS)
    _apply_role(user, role=role, scope_unit=scope_unit)
    user.save(update_fields=["role", "scope_unit", "is_staff", "is_superuser"])
    after = model_snapshot(user, fields=_USER_AUDIT_FIELDS)
    if before != after:
        audit_record(actor=actor, action="accounts.user.set_role", instance=user, before=before, after=after)
    return user


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str) -> User:
    """Set a user's password (validated by the password rules); the user may do it, and user managers."""
    if actor is None or actor.pk != user.pk:
        _require_user_manager(actor)
    _check_password(password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="accounts.user.set_password", instance=user)
    return user


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User, reason: str = "") -> User:
    """Deactivate a login (never delete it: history refers to it) and revoke all its API tokens."""
    _require_user_manager(actor)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."), field="user")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        action="accounts.user.deactivate",
        instance=user,
        before={"is_active": True},
        after={"is_active": False, "tokens_revoked": revoked},
        reason=reason,
    )
    return user


@transaction.atomic
def user_admin_ensure(
    *, actor: User | None, username: str, password: str | None = None, email: str | None = None
) -> tuple[User, bool]:
    """Make ``username`` an administrator, creating it if needed; returns (user, created). Idempotent."""
    _require_user_manager(actor)
    user = User.objects.select_for_update().filter(username=(username or "").strip()).first()
    if user is None:
        if password is None:
            raise ValidationError(_("A new administrator needs a password."), field="password")
        user = user_create(actor=actor, username=username, password=password, role=Role.ADMIN, email=email or "")
        return user, True
    before = model_snapshot(user, fields=_USER_AUDIT_FIELDS)
    _apply_role(user, role=Role.ADMIN, scope_unit=None)
    user.is_active = True
    if email is not None:
        user.email = email.strip()
    if password is not None:
        _check_password(password, user=user)
        user.set_password(password)
    user.save()
    after = model_snapshot(user, fields=_USER_AUDIT_FIELDS)
    if before != after or password is not None:
        audit_record(
            actor=actor,
            action="accounts.user.admin_ensure",
            instance=user,
            before=before,
            after={**after, "password_changed": password is not None},
        )
    return user, False


# --- API tokens


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret, which is never stored nor shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."), field="name")
    if len(name) > _TOKEN_NAME_MAX_LENGTH:
        raise ValidationError(_("The name is too long."), field="name")
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise ValidationError(_("The expiry time needs a time zone."), field="expires_at")
        if expires_at <= timezone.now():
            raise ValidationError(_("The expiry time must be in the future."), field="expires_at")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=_digest(secret), expires_at=expires_at
    )
    audit_record(
        actor=user, action="accounts.api_token.create", instance=token, after=model_snapshot(token, _TOKEN_AUDIT_FIELDS)
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner may, and so may user managers. Revoking twice changes nothing."""
    if actor is None or actor.pk != token.user_id:
        _require_user_manager(actor)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = model_snapshot(token, _TOKEN_AUDIT_FIELDS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="accounts.api_token.revoke",
        instance=token,
        before=before,
        after=model_snapshot(token, _TOKEN_AUDIT_FIELDS),
    )
    return token


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user a live token belongs to, or None; records when the token was last used.

    Cheap for garbage: anything that is not shaped like one of our tokens is refused without a query, and a
    well-shaped one costs one indexed lookup by digest (the digest of a 256-bit secret is not guessable).
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) != _TOKEN_SECRET_LENGTH:
        return None
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(digest=_digest(secret), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active or (token.expires_at and token.expires_at <= now):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Failed logins


def login_failure_record(*, username: str | None, ip: str | None) -> LoginAttempt:
    """Record one failed login for the username and client address (counted for the lockout window).

    Deliberately not atomic with the caller: a failure must stay recorded even if the login request rolls back.
    """
    return LoginAttempt.objects.create(username=login_username_normalize(username), ip_address=login_ip_normalize(ip))


def login_failures_clear(*, username: str | None) -> int:
    """Forget a username's failed logins (after it logged in successfully); returns how many were removed."""
    deleted, _detail = LoginAttempt.objects.filter(username=login_username_normalize(username)).delete()
    return deleted


@transaction.atomic
def login_attempts_clear(*, actor: User | None, attempts: Iterable[LoginAttempt]) -> int:
    """Unlock by hand: delete these recorded failures (user managers only); audited."""
    _require_user_manager(actor)
    ids = [attempt.pk for attempt in attempts]
    rows = list(LoginAttempt.objects.filter(pk__in=ids).values_list("username", "ip_address"))
    deleted, _detail = LoginAttempt.objects.filter(pk__in=ids).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="accounts.login_attempt.clear",
            object_type="accounts.loginattempt",
            object_id="*",
            before={
                "count": deleted,
                "usernames": sorted({u for u, _ip in rows}),
                "ips": sorted({ip or "" for _u, ip in rows}),
            },
        )
    return deleted
