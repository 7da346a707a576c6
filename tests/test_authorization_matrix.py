"""The authorization matrix: every page and every API operation, requested as every kind of user.

Nothing here lists routes by hand. The web routes come from walking Django's URL resolver (skipping the admin,
which has its own staff gate tested below, ``i18n/`` and the ``api/v1/`` patterns), the API operations from
the OpenAPI schema of ``attain.api.api``. Each (route, role) is one test case, so a failure names the route;
a new page or endpoint is covered the moment it is routed.

Roles: anonymous, a rep, the manager of another team, HR limited to another region, and an administrator.
The fixture world holds objects outside every non-admin's scope, named with ``OUTSIDE-SCOPE`` markers, and
path parameters are filled with those objects. Assertions:

- anonymous: a login redirect (web) or 401 (API) — never data; public routes are listed in ``PUBLIC_ROUTES``;
- every non-admin: no response contains a marker; nothing is ever a 5xx;
- unsafe methods (POST/PUT/PATCH/DELETE) by a non-admin change no row of any Attain model nor the audit log,
  and answer 3xx/4xx when the role has no write capability at all, or when the request targets an
  out-of-scope object (API bodies are generated from the OpenAPI schema with every ``*_id`` field pointing
  outside the actor's scope); self-service routes (own tokens, own password …) may change the actor's own rows;
- the administrator gets 2xx for every GET (405 for routes that have no GET).

How a new app plugs in: give its out-of-scope objects (and marker strings) to the world by adding a module
``attain/<app>/tests/authz.py`` with ``def outside_objects(world) -> dict[type[Model], Model]`` (and
optionally ``MARKERS: list[str]``); path parameters named ``pk``/``id`` take the object of the model named by
the preceding URL segment (``units`` → Unit, ``people`` → Person), ``<model>_id`` parameters the object of
that model; anything else needs an entry in ``PARAM_RESOLVERS`` keyed by (URL prefix, parameter name).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone, translation

from attain.accounts.choices import Capability, Role
from attain.accounts.selectors import ROLE_CAPABILITIES

MARKER = "OUTSIDE-SCOPE"
ROLES = ["anonymous", "rep", "other_manager", "hr", "admin"]
UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]
SKIPPED_PREFIXES = ("admin/", "i18n/", "api/v1/", "static/", "media/", "__debug__/")
# Capabilities that allow writing something; a role with none of them may not change anything anywhere.
WRITE_CAPABILITIES = {c for c in Capability.values if not c.endswith((".view", ".view_all"))}

# URL name (web) or "METHOD /path" (API) → why anonymous users may use it.
PUBLIC_ROUTES: dict[str, str] = {
    "accounts:login": "the login page itself",
    "accounts:logout": "logging out needs no login (POST only)",
    "accounts:password_reset": "forgotten password: asked before logging in",
    "accounts:password_reset_done": "forgotten password flow",
    "accounts:password_reset_confirm": "forgotten password flow",
    "accounts:password_reset_complete": "forgotten password flow",
}
# URL name → why an administrator's GET is answered with a redirect (not to the login page).
ADMIN_GET_REDIRECTS: dict[str, str] = {
    "accounts:login": "signed-in users are sent on to the home page",
    "sales:import_map": "an upload token that isn't this session's goes back to the upload step",
    "sales:import_preview": "an upload token that isn't this session's goes back to the upload step",
}
# URL name → why a read-only page may answer an unsafe method with 2xx (it must still change nothing).
# Each entry is a page that should be decorated with ``require_safe``; remove the entry when it is.
UNSAFE_STATUS_EXEMPT: dict[str, str] = {}
# Routes where a signed-in user changes their own things (the change is limited to rows they own).
SELF_SERVICE: dict[str, str] = {
    "accounts:logout": "ends the own session",
    "accounts:password_change": "own password",
    "accounts:profile": "own profile and language",
    "accounts:tokens": "own API tokens",
    "accounts:token_revoke": "own API tokens (another user's token is a 404)",
    "POST /api/v1/accounts/tokens": "own API tokens",
    "DELETE /api/v1/accounts/tokens/{token_id}": "own API tokens (another user's token is a 404)",
}
# (route, role) → why this is known to break the rules today. These cases are strict xfails: the day the
# leak is fixed the test XPASSes and fails, so the entry must be removed.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}
# (URL prefix, parameter name) → function(world) giving the value; for parameters no model name explains.
PARAM_RESOLVERS: dict[tuple[str, str], Any] = {
    ("jobs/", "task_id"): lambda w: w.outside_job_id,
    ("org/export", "format"): lambda w: "xlsx",
    ("/api/v1/jobs/", "task_id"): lambda w: w.outside_job_id,
    ("/api/v1/sales/webhooks/", "source"): lambda w: "authz-crm",
    ("sales/import/jobs/", "task_id"): lambda w: w.outside_job_id,
    ("sales/import/", "token"): lambda w: "authz-upload-token-of-nobody",
}
# Parameter / field names that name a model differently.
NAME_ALIASES = {
    "batches": "importbatch",
    "token": "apitoken",
    "tokens": "apitoken",
    "parent": "unit",
    "new_parent": "unit",
    "to_unit": "unit",
    "scope_unit": "unit",
    "team": "unit",
    "region": "unit",
    "manager": "person",
    "requested_by": "user",
}


# --- the world ---------------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    outside: dict[type[models.Model], models.Model]
    outside_job_id: str
    markers: list[str] = field(default_factory=list)


def build_world() -> World:
    """Two regions with a team each, people and memberships, plus an OUTSIDE-SCOPE region no non-admin sees."""
    from attain.accounts import services as accounts
    from attain.org import services as org

    start = dt.date(timezone.localdate().year - 1, 1, 1)
    company = org.unit_create(actor=None, code="CO", name="星辰科技", kind="company")
    east = org.unit_create(actor=None, code="EAST", name="华东区", kind="region", parent=company)
    west = org.unit_create(actor=None, code="WEST", name="华北区", kind="region", parent=company)
    east_team = org.unit_create(actor=None, code="EAST-1", name="上海一组", kind="team", parent=east)
    west_team = org.unit_create(actor=None, code="WEST-1", name="北京一组", kind="team", parent=west)
    outside_region = org.unit_create(actor=None, code="OUT", name=f"{MARKER}-华南区", kind="region", parent=company)
    outside_team = org.unit_create(
        actor=None, code=f"{MARKER}-SZ", name=f"{MARKER}-深圳组", kind="team", parent=outside_region
    )

    def person(no: str, name: str, unit: Any, role: str = "member") -> Any:
        p = org.person_create(actor=None, employee_no=no, name=name)
        org.membership_add(actor=None, person=p, unit=unit, role=role, valid_from=start)
        return p

    rep_person = person("E100", "王小明", east_team)
    person("E101", "赵经理", east_team, role="manager")
    person(f"{MARKER}-E102", f"{MARKER}-李四", east_team)  # the rep's colleague: outside a rep's own scope
    west_manager_person = person("W200", "钱经理", west_team, role="manager")
    person("W201", "孙小红", west_team)
    outside_person = person(f"{MARKER}-E999", f"{MARKER}-张三", outside_team)
    outside_membership = outside_person.memberships.get()
    outside_territory = org.territory_create(actor=None, code=f"{MARKER}-T", name=f"{MARKER}-深圳", unit=outside_team)

    admin = accounts.user_create(
        actor=None, username="admin", role=Role.ADMIN, first_name=f"{MARKER}-管理员", password="Adm1n-pass-word"
    )
    users = {
        "anonymous": None,
        "admin": admin,
        "rep": accounts.user_create(actor=None, username="rep", role=Role.REP, person=rep_person),
        "other_manager": accounts.user_create(
            actor=None, username="west-manager", role=Role.MANAGER, person=west_manager_person
        ),
        "hr": accounts.user_create(actor=None, username="hr-west", role=Role.HR, scope_unit=west),
    }
    token, _secret = accounts.api_token_create(user=admin, name=f"{MARKER}-令牌")

    from attain.core.jobs import demo_ping, job_enqueue

    job_id = job_enqueue(task=demo_ping, actor=admin, label=f"{MARKER}-任务", steps=1)
    outside: dict[type[models.Model], models.Model] = {
        type(outside_team): outside_team,
        type(outside_person): outside_person,
        type(outside_membership): outside_membership,
        type(outside_territory): outside_territory,
        type(token): token,
        type(admin): admin,
    }
    world = World(users=users, outside=outside, outside_job_id=job_id, markers=[MARKER])
    for app in attain_app_labels():
        try:
            plugin = importlib.import_module(f"attain.{app}.tests.authz")
        except ModuleNotFoundError:
            continue
        world.outside.update(plugin.outside_objects(world))
        world.markers.extend(getattr(plugin, "MARKERS", []))
    return world


def attain_app_labels() -> list[str]:
    return sorted(c.name.split(".")[1] for c in apps.get_app_configs() if c.name.startswith("attain."))


def attain_models() -> list[type[models.Model]]:
    return [m for c in apps.get_app_configs() if c.name.startswith("attain.") for m in c.get_models()]


def model_named(name: str) -> type[models.Model] | None:
    """The Attain model a URL segment or parameter names (``units``, ``people``, ``unit_id``, ``token``)."""
    key = NAME_ALIASES.get(name.lower(), name.lower()).replace("-", "").replace("_", "")
    with translation.override("en"):
        for model in attain_models():
            meta = model._meta
            plural = str(meta.verbose_name_plural).replace(" ", "").lower()
            if key in {meta.model_name, f"{meta.model_name}s", plural, plural.removeprefix("org")}:
                return model
    return None


def outside_value(world: World, prefix: str, name: str, previous_segment: str) -> Any:
    """The value for path parameter ``name``: an object outside every non-admin's scope."""
    for (route_prefix, param), resolver in PARAM_RESOLVERS.items():
        if param == name and prefix.startswith(route_prefix):
            return resolver(world)
    base = name.removesuffix("_id").removesuffix("_pk")
    model = model_named(previous_segment) if base in {"pk", "id"} else model_named(base)
    if model is None:
        pytest.fail(
            f"no value for path parameter {name!r} of {prefix!r}: add an entry to PARAM_RESOLVERS or name it after "
            "a model (see this module's docstring)"
        )
    instance = world.outside.get(model) or model._default_manager.order_by("pk").first()
    if instance is None:
        pytest.fail(f"the world has no {model.__name__} for {prefix!r}: provide one in attain/<app>/tests/authz.py")
    return instance.pk


# --- fingerprints: did anything change? --------------------------------------------------------------------


def fingerprint() -> dict[tuple[str, Any], str]:
    """Every row of every Attain model (audit log included), as a digest per (model, pk)."""
    rows: dict[tuple[str, Any], str] = {}
    for model in attain_models():
        for row in model._default_manager.order_by("pk").values():
            digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()
            rows[(model._meta.label_lower, row["id"] if "id" in row else row.get("pk"))] = digest
    return rows


def owned_by(actor: Any, key: tuple[str, Any], before: dict, after: dict) -> bool:
    """Rows a self-service request may touch: the actor's user row, their tokens, audit events they caused."""
    label, pk = key
    if actor is None:
        return False
    if label == "accounts.user":
        return pk == actor.pk
    if label == "accounts.apitoken":
        from attain.accounts.models import ApiToken

        return ApiToken.objects.filter(pk=pk, user_id=actor.pk).exists() or key not in after
    if label == "core.auditevent":
        from attain.core.models import AuditEvent

        return AuditEvent.objects.filter(pk=pk, actor_id=actor.pk).exists()
    return False


def changes(before: dict, after: dict, *, actor: Any = None, self_service: bool = False) -> list[str]:
    changed = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
    if self_service:
        changed = [k for k in changed if not owned_by(actor, k, before, after)]
    return sorted(f"{label}#{pk}" for label, pk in changed)


# --- route discovery ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebRoute:
    pattern: str  # e.g. "org/units/<int:pk>/"
    name: str  # "org:unit_detail", or the pattern when unnamed

    def __str__(self) -> str:
        return self.name


def walk_web_routes(patterns: list[Any] | None = None, prefix: str = "", namespace: str = "") -> list[WebRoute]:
    found: list[WebRoute] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = prefix + str(entry.pattern)
        if pattern.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += walk_web_routes(entry.url_patterns, pattern, ns)
        elif isinstance(entry, URLPattern):
            if not isinstance(entry.pattern, RoutePattern) and "(?P<" in pattern:
                pytest.fail(f"regex route {pattern!r} with parameters: use path() so the matrix can fill it")
            name = f"{namespace}{entry.name}" if entry.name else pattern
            found.append(WebRoute(pattern=pattern.lstrip("^").rstrip("$"), name=name))
    return found


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str  # "/api/v1/org/units/{unit_id}"
    operation: dict[str, Any] = field(hash=False, compare=False)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@functools.cache
def openapi_schema() -> dict[str, Any]:
    from attain.api import api

    return api.get_openapi_schema(path_prefix=reverse("api-v1:api-root"))


def api_operations() -> list[ApiOperation]:
    ops = []
    for path, methods in openapi_schema()["paths"].items():
        for method, operation in methods.items():
            ops.append(ApiOperation(method=method.upper(), path=path, operation=operation))
    return ops


_PATH_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\{(?P<api_name>[^}]+)\}")


def fill_path(path: str, world: World) -> tuple[str, bool]:
    """``path`` with every parameter replaced by an out-of-scope object; also whether it had any."""
    had = False

    def replace(match: re.Match[str]) -> str:
        nonlocal had
        had = True
        name = match.group("name") or match.group("api_name")
        before = path[: match.start()].rstrip("/").split("/")
        return str(outside_value(world, path[: match.start()], name, before[-1] if before else ""))

    filled = _PATH_PARAM.sub(replace, path)
    return (filled if filled.startswith("/") else "/" + filled), had


# --- API request bodies from the OpenAPI schema ------------------------------------------------------------


def _resolve_ref(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def sample_value(name: str, schema: dict[str, Any], root: dict[str, Any], world: World) -> tuple[Any, bool]:
    """A plausible value for a field; ``*_id`` fields point at out-of-scope objects (second item: True)."""
    schema = _resolve_ref(schema, root)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve_ref(s, root).get("type") != "null"]
            return sample_value(name, options[0], root, world) if options else (None, False)
    if "enum" in schema:
        return schema["enum"][0], False
    if "default" in schema and not name.endswith("_id"):
        return schema["default"], False
    kind = schema.get("type")
    if kind == "integer" and (name.endswith("_id") or name in {"id", "pk"}):
        model = model_named(name.removesuffix("_id"))
        instance = world.outside.get(model) if model else None
        return (instance.pk, True) if instance is not None else (1, False)
    if kind == "integer":
        return 1, False
    if kind == "number":
        return "1.00", False
    if kind == "boolean":
        return False, False
    if kind == "array":
        return [], False
    if kind == "object":
        return sample_body(schema, root, world)
    fmt = schema.get("format")
    if fmt == "date":
        return timezone.localdate().isoformat(), False
    if fmt == "date-time":
        return (timezone.now() + dt.timedelta(days=1)).isoformat(), False
    if fmt == "binary":
        return SimpleUploadedFile("probe.csv", b"code,name\nPROBE,probe\n", content_type="text/csv"), False
    if fmt == "email":
        return "probe@example.com", False
    return "authz-probe", False


def sample_body(schema: dict[str, Any], root: dict[str, Any], world: World) -> tuple[dict[str, Any], bool]:
    schema = _resolve_ref(schema, root)
    body: dict[str, Any] = {}
    targets_outside = False
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        if name in required or name.endswith("_id"):
            body[name], points_outside = sample_value(name, prop, root, world)
            targets_outside = targets_outside or points_outside
    return body, targets_outside


def api_request(client: Client, op: ApiOperation, world: World) -> tuple[Any, bool]:
    path, targets_outside = fill_path(op.path, world)
    root = openapi_schema()
    content = op.operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body, outside = sample_body(content["application/json"]["schema"], root, world)
        data = json.dumps(body, default=str)
        return client.generic(op.method, path, data, content_type="application/json"), targets_outside or outside
    if "multipart/form-data" in content:
        body, outside = sample_body(content["multipart/form-data"]["schema"], root, world)
        return client.post(path, body), targets_outside or outside
    return client.generic(op.method, path), targets_outside


# --- assertions --------------------------------------------------------------------------------------------


def body_text(response: Any) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return content.decode("utf-8", errors="replace") + " " + response.get("Location", "")


def assert_no_leak(response: Any, world: World, where: str) -> None:
    text = body_text(response)
    leaked = [m for m in world.markers if m in text]
    assert not leaked, f"{where}: response shows out-of-scope data ({leaked}): {text[:500]}"


def is_login_redirect(response: Any) -> bool:
    return response.status_code in (301, 302, 303) and response["Location"].startswith(
        reverse(settings.LOGIN_URL) if ":" in settings.LOGIN_URL else settings.LOGIN_URL
    )


def may_write(role: str) -> bool:
    return role == "admin" or bool(ROLE_CAPABILITIES.get(role_of(role), frozenset()) & WRITE_CAPABILITIES)


def role_of(role: str) -> str:
    return {"rep": Role.REP, "other_manager": Role.MANAGER, "hr": Role.HR, "admin": Role.ADMIN}.get(role, "")


def client_for(world: World, role: str) -> Client:
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


def _cases(items: list[Any]) -> list[Any]:
    cases = []
    for item in items:
        if isinstance(item, DiscoveryError):
            cases.append(pytest.param(item, "admin", id="discovery-error"))
            continue
        for role in ROLES:
            reason = KNOWN_LEAKS.get((str(item), role))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(item, role, id=f"{item} [{role}]", marks=marks))
    return cases


@dataclass(frozen=True)
class DiscoveryError:
    """Route discovery itself failed (e.g. a broken schema): reported as one failing case, not a crash."""

    error: str

    def __str__(self) -> str:
        return "discovery-error"


def _collect(builder: Any) -> list[Any]:
    try:
        return builder()
    except Exception as exc:
        return [DiscoveryError(f"{type(exc).__name__}: {exc}")]


# --- the tests ---------------------------------------------------------------------------------------------


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.mark.parametrize(("route", "role"), _cases(_collect(walk_web_routes)))
def test_web_route(route: WebRoute, role: str, world: World) -> None:
    if isinstance(route, DiscoveryError):
        pytest.fail(f"could not list the web routes: {route.error}")
    client = client_for(world, role)
    actor = world.users[role]
    url, targets_outside = fill_path(route.pattern, world)
    public = route.name in PUBLIC_ROUTES
    self_service = route.name in SELF_SERVICE

    response = client.get(url)
    where = f"GET {url} as {role}"
    assert response.status_code < 500, where
    if role == "anonymous" and not public:
        assert is_login_redirect(response), (
            f"{where}: expected a redirect to the login page, got {response.status_code}"
        )
    if role == "admin":
        redirect_ok = route.name in ADMIN_GET_REDIRECTS and not is_login_redirect(response)
        assert 200 <= response.status_code < 300 or response.status_code == 405 or redirect_ok, (
            f"{where}: {response.status_code}"
        )
    else:
        assert_no_leak(response, world, where)

    if role == "admin":
        return
    for method in UNSAFE:
        before = fingerprint()
        response = client.generic(method, url, "", content_type="application/x-www-form-urlencoded")
        where = f"{method} {url} as {role}"
        assert response.status_code < 500, where
        assert_no_leak(response, world, where)
        exempt = self_service or public or route.name in UNSAFE_STATUS_EXEMPT
        if not exempt and (role == "anonymous" or not may_write(role) or targets_outside):
            assert 300 <= response.status_code < 500, f"{where}: expected 3xx/4xx, got {response.status_code}"
        changed = changes(before, fingerprint(), actor=actor, self_service=self_service)
        assert changed == [], f"{where} changed {changed}"
        client = client_for(world, role)  # a logout must not leak into the next method


@pytest.mark.parametrize(("op", "role"), _cases(_collect(api_operations)))
def test_api_operation(op: ApiOperation, role: str, world: World) -> None:
    if isinstance(op, DiscoveryError):
        pytest.fail(f"could not list the API operations from the OpenAPI schema: {op.error}")
    client = client_for(world, role)
    actor = world.users[role]
    self_service = str(op) in SELF_SERVICE
    before = fingerprint()
    response, targets_outside = api_request(client, op, world)
    where = f"{op} as {role}"
    assert response.status_code < 500, f"{where}: {response.content[:500]!r}"
    if role == "anonymous":
        assert response.status_code == 401, f"{where}: expected 401, got {response.status_code}"
    if role == "admin":
        if op.method == "GET":
            assert 200 <= response.status_code < 300, f"{where}: {response.status_code} {response.content[:300]!r}"
        return
    assert_no_leak(response, world, where)
    if op.method in UNSAFE:
        if role == "anonymous" or (not self_service and (not may_write(role) or targets_outside)):
            assert 400 <= response.status_code < 500, f"{where}: expected 4xx, got {response.status_code}"
        changed = changes(before, fingerprint(), actor=actor, self_service=self_service)
        if role == "anonymous" or not may_write(role) or targets_outside or self_service:
            assert changed == [], f"{where} changed {changed}"


def test_routes_are_discovered() -> None:
    names = {r.name for r in walk_web_routes()}
    assert {"home", "accounts:login"} <= names
    assert "GET /api/v1/accounts/me" in {str(op) for op in api_operations()}


@pytest.mark.parametrize("role", ["rep", "other_manager", "hr"])
def test_admin_site_sends_non_staff_to_its_login(world: World, role: str) -> None:
    client = client_for(world, role)
    for url in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_admin_site_opens_for_admin(world: World) -> None:
    assert client_for(world, "admin").get(reverse("admin:index")).status_code == 200


def test_the_matrix_would_see_a_leak(world: World) -> None:
    """The marker check works: the admin's API list of users shows the marker that others must never see."""
    response = client_for(world, "admin").get("/api/v1/accounts/users")
    with pytest.raises(AssertionError):
        assert_no_leak(response, world, "users as admin")
