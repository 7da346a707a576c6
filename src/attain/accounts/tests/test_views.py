"""Web pages of accounts: login (and lockout message), logout, password change, profile, API tokens, home."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attain.accounts.choices import Role
from attain.accounts.models import ApiToken, LoginAttempt, User
from attain.accounts.tests.factories import PASSWORD, UserFactory
from attain.org import services as org_services
from attain.org.choices import MembershipRole, UnitKind

# Until the root URLconf points "/" at accounts' home view, these tests mount it themselves.

pytestmark = [pytest.mark.django_db]

LOGIN_URL = "/accounts/login/"


@pytest.fixture
def client() -> Client:
    """A browser that asks for English, so assertions can use the source strings (the default is zh-hans)."""
    return Client(headers={"Accept-Language": "en"})


def test_default_language_is_simplified_chinese(settings: Any) -> None:
    from attain.settings import base

    assert base.LANGUAGE_CODE == "zh-hans"
    settings.LANGUAGE_CODE = base.LANGUAGE_CODE  # the test settings use English
    html = Client().get(LOGIN_URL).content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录" in html  # "Log in", already in Django's own catalogue


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# --- login / logout ---------------------------------------------------------------------------------------------


def test_login_page_renders_with_the_shell(client: Client) -> None:
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/tabler/tabler.min.css" in html
    assert "vendor/htmx/htmx.min.js" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "/i18n/setlang/" in html
    for language_name in ("简体中文", "繁體中文", "English"):
        assert language_name in html


def test_login_with_the_right_password_goes_home(client: Client) -> None:
    user = UserFactory(username="rep1")
    response = client.post(LOGIN_URL, {"username": "rep1", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_switches_to_the_preferred_language(client: Client, settings: Any) -> None:
    UserFactory(username="en_user", preferred_language="en")
    response = client.post(LOGIN_URL, {"username": "en_user", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_wrong_password_shows_the_generic_error(client: Client) -> None:
    UserFactory(username="rep1")
    response = client.post(LOGIN_URL, {"username": "rep1", "password": "wrong"})
    assert response.status_code == 200
    assert "Too many failed attempts" not in response.content.decode()
    assert response.context["form"].errors["__all__"]


def test_repeated_failures_show_the_lockout_message_even_with_the_right_password(client: Client, settings: Any) -> None:
    settings.ATTAIN_LOGIN_MAX_FAILURES = 3
    settings.ATTAIN_LOGIN_LOCKOUT_SECONDS = 900
    UserFactory(username="rep1")
    for _ in range(3):
        client.post(LOGIN_URL, {"username": "rep1", "password": "wrong"})
    response = client.post(LOGIN_URL, {"username": "rep1", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed attempts; try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


class RaisingLockoutBackend(ModelBackend):
    """Stands in for a backend that refuses a locked login by raising PermissionDenied."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kw: Any) -> Any:
        raise PermissionDenied


class FlagOnlyLockoutBackend(ModelBackend):
    """Stands in for a backend that only flags the request (no seconds given)."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kw: Any) -> Any:
        request.attain_lockout = True
        return None


def test_lockout_raised_as_permission_denied_is_shown_with_the_remaining_time(client: Client, settings: Any) -> None:
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.RaisingLockoutBackend"]
    settings.ATTAIN_LOGIN_MAX_FAILURES = 2
    settings.ATTAIN_LOGIN_LOCKOUT_SECONDS = 600
    UserFactory(username="rep1")
    LoginAttempt.objects.bulk_create([LoginAttempt(username="rep1", ip_address="10.0.0.9") for _ in range(2)])
    response = client.post(LOGIN_URL, {"username": "rep1", "password": PASSWORD})
    assert "Too many failed attempts; try again in 10 minutes." in response.content.decode()


def test_lockout_flag_without_seconds_uses_the_configured_window(client: Client, settings: Any) -> None:
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.FlagOnlyLockoutBackend"]
    settings.ATTAIN_LOGIN_LOCKOUT_SECONDS = 60
    response = client.post(LOGIN_URL, {"username": "whoever", "password": "x"})
    assert "Too many failed attempts; try again in 1 minute." in response.content.decode()


def test_logout_is_post_only(client: Client) -> None:
    login(client, UserFactory())
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_logout_without_csrf_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    login(client, UserFactory())
    assert client.post("/accounts/logout/").status_code == 403
    assert "_auth_user_id" in client.session


# --- password change ----------------------------------------------------------------------------------------------


def test_password_change_keeps_the_session_and_changes_the_password(client: Client) -> None:
    user = login(client, UserFactory()) and User.objects.get()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "a-much-better-pw-91", "new_password2": "a-much-better-pw-91"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password("a-much-better-pw-91")
    assert client.get(response["Location"]).status_code == 200


def test_password_change_with_a_wrong_old_password_is_refused(client: Client) -> None:
    login(client, UserFactory())
    response = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "a-much-better-pw-91", "new_password2": "a-much-better-pw-91"},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    assert "is-invalid" in response.content.decode()


def test_pages_need_login(client: Client) -> None:
    for url in ("/", "/accounts/profile/", "/accounts/tokens/", "/accounts/password/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN_URL)


# --- profile ----------------------------------------------------------------------------------------------------


def test_profile_shows_role_and_scope(client: Client) -> None:
    login(client, UserFactory(director=True))
    response = client.get("/accounts/profile/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sales director" in html
    assert "All org units and the people in them." in html


def test_profile_language_is_saved_and_switches_the_session(client: Client, settings: Any) -> None:
    user = UserFactory()
    login(client, user)
    response = client.post("/accounts/profile/", {"preferred_language": "en"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert '<html lang="en"' in client.get("/accounts/profile/").content.decode()

    client.post("/accounts/profile/", {"preferred_language": "zh-hant"})
    assert '<html lang="zh-hant"' in client.get("/accounts/profile/").content.decode()


def test_profile_refuses_an_unknown_language(client: Client) -> None:
    user = UserFactory()
    login(client, user)
    response = client.post("/accounts/profile/", {"preferred_language": "xx"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.preferred_language == ""


# --- API tokens -------------------------------------------------------------------------------------------------


def test_token_create_shows_the_secret_once_and_stores_only_its_digest(client: Client) -> None:
    user = UserFactory()
    login(client, user)
    response = client.post("/accounts/tokens/", {"name": "BI export"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("att_")
    assert secret in response.content.decode()

    token = ApiToken.objects.get(user=user)
    assert token.name == "BI export"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert all(secret not in value for value in stored)

    again = client.get("/accounts/tokens/").content.decode()
    assert secret not in again
    assert "BI export" in again
    assert token.prefix in again


def test_token_create_with_an_expiry_in_the_past_is_refused(client: Client) -> None:
    login(client, UserFactory())
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post("/accounts/tokens/", {"name": "old", "expires_on": yesterday.isoformat()})
    assert response.status_code == 200
    assert response.context["secret"] is None
    assert "expires_on" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_token_create_with_an_expiry_sets_the_end_of_that_day(client: Client) -> None:
    user = UserFactory()
    login(client, user)
    day = timezone.localdate() + dt.timedelta(days=30)
    client.post("/accounts/tokens/", {"name": "month", "expires_on": day.isoformat()})
    token = ApiToken.objects.get(user=user)
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date() == day + dt.timedelta(days=1)


def test_token_list_shows_only_my_tokens(client: Client) -> None:
    from attain.accounts import services

    me, other = UserFactory(), UserFactory()
    services.api_token_create(user=other, name="someone else's")
    login(client, me)
    assert "someone else&#x27;s" not in client.get("/accounts/tokens/").content.decode()


def test_token_revoke(client: Client) -> None:
    from attain.accounts import services

    user = UserFactory()
    token, secret = services.api_token_create(user=user, name="cli")
    login(client, user)
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert services.api_token_authenticate(secret=secret) is None


def test_token_revoke_of_another_users_token_is_404(client: Client) -> None:
    from attain.accounts import services

    token, _secret = services.api_token_create(user=UserFactory(), name="theirs")
    login(client, UserFactory())
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- home page --------------------------------------------------------------------------------------------------


@dataclass
class World:
    """Company → two regions → two teams each; a manager and reps in team north-1, one rep who moved."""

    today: dt.date
    rep_user: User
    manager_user: User
    units: dict[str, Any]
    people: dict[str, Any]


@pytest.fixture
def world() -> World:
    today = timezone.localdate()
    start = today - dt.timedelta(days=200)
    company = org_services.unit_create(actor=None, code="CO", name="Acme", kind=UnitKind.COMPANY)
    units: dict[str, Any] = {"CO": company}
    for region_code, region_name in (("N", "North Region"), ("S", "South Region")):
        region = org_services.unit_create(
            actor=None, code=region_code, name=region_name, kind=UnitKind.REGION, parent=company
        )
        units[region_code] = region
        for index in (1, 2):
            code = f"{region_code}{index}"
            units[code] = org_services.unit_create(
                actor=None, code=code, name=f"{region_name} Team {index}", kind=UnitKind.TEAM, parent=region
            )
    rep_user = UserFactory(username="rep", first_name="Rita", last_name="Rep", role=Role.REP)
    manager_user = UserFactory(username="mgr", first_name="Max", last_name="Manager", role=Role.MANAGER)
    people = {
        "rep": org_services.person_create(actor=None, employee_no="E001", name="Rita Rep", user=rep_user),
        "mgr": org_services.person_create(actor=None, employee_no="E002", name="Max Manager", user=manager_user),
        "peer": org_services.person_create(actor=None, employee_no="E003", name="Pete Peer"),
        "south": org_services.person_create(actor=None, employee_no="E004", name="Sam South"),
    }
    org_services.membership_add(
        actor=None, person=people["rep"], unit=units["S1"], role=MembershipRole.MEMBER, valid_from=start
    )
    org_services.person_transfer(
        actor=None, person=people["rep"], to_unit=units["N1"], on=today - dt.timedelta(days=10)
    )
    org_services.membership_add(
        actor=None, person=people["mgr"], unit=units["N1"], role=MembershipRole.MANAGER, valid_from=start
    )
    org_services.membership_add(
        actor=None, person=people["peer"], unit=units["N1"], role=MembershipRole.MEMBER, valid_from=start
    )
    org_services.membership_add(
        actor=None, person=people["south"], unit=units["S2"], role=MembershipRole.MEMBER, valid_from=start
    )
    return World(today=today, rep_user=rep_user, manager_user=manager_user, units=units, people=people)


def test_rep_home_shows_own_card_unit_manager_and_history(client: Client, world: World) -> None:
    login(client, world.rep_user)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-role="rep"' in html
    assert "Rita Rep" in html
    assert "E001" in html
    assert "North Region Team 1" in html  # unit today
    assert "Max Manager" in html  # manager today
    assert "South Region Team 1" in html  # history: where she was before the move
    assert "Sam South" not in html
    assert "region-chart" not in html


def test_rep_without_a_person_is_told_so(client: Client) -> None:
    login(client, UserFactory())
    html = client.get("/").content.decode()
    assert 'id="no-person"' in html


def test_manager_home_shows_the_team_with_headcount(client: Client, world: World) -> None:
    login(client, world.manager_user)
    html = client.get("/").content.decode()
    assert 'data-role="manager"' in html
    assert "North Region Team 1" in html
    assert "Rita Rep" in html
    assert "Pete Peer" in html
    assert "2 people" in html
    assert "Sam South" not in html


def test_director_home_shows_headcount_chart_within_scope(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    director = UserFactory(director=True, scope_unit=world.units["N"])
    login(client, director)
    with django_assert_max_num_queries(12):
        response = client.get("/")
    html = response.content.decode()
    assert 'data-role="director"' in html
    assert 'id="team-chart-data"' in html
    chart = response.context["team_chart"]
    assert dict(zip(chart["labels"], chart["series"][0]["data"], strict=True)) == {
        "North Region Team 1": 2,
        "North Region Team 2": 0,
    }
    assert "South Region" not in html
    assert "<script>" not in html.replace('<script type="application/json"', "")  # no inline JS
    assert "attain/js/charts.js" in html
    assert "vendor/echarts/echarts.min.js" in html


def test_hr_home_overview_counts_every_region(client: Client, world: World) -> None:
    login(client, UserFactory(hr=True))
    response = client.get("/")
    chart = response.context["region_chart"]
    assert dict(zip(chart["labels"], chart["series"][0]["data"], strict=True)) == {
        "North Region": 2,
        "South Region": 1,
    }
    assert response.context["data"].total_headcount == 3


def test_admin_home_shows_users_by_role_and_admin_links(client: Client, world: World) -> None:
    admin = UserFactory(admin=True)
    login(client, admin)
    response = client.get("/")
    html = response.content.decode()
    assert 'id="users-by-role"' in html
    counts = dict(response.context["data"].users_by_role)
    assert counts["Administrator"] == 1
    assert counts["Sales rep"] == 1
    assert counts["Team manager"] == 1
    assert reverse("admin:index") in html


def test_menu_is_role_aware(client: Client) -> None:
    login(client, UserFactory())
    html = client.get("/").content.decode()
    assert reverse("admin:index") not in html
    assert "Log out" in html

    client.force_login(UserFactory(admin=True))
    html = client.get("/").content.decode()
    assert reverse("admin:index") in html


def test_body_carries_the_csrf_header_for_htmx(client: Client) -> None:
    login(client, UserFactory())
    html = client.get("/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


# --- error pages ------------------------------------------------------------------------------------------------


def test_404_page_uses_the_shell(client: Client) -> None:
    login(client, UserFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_500_page_renders_without_a_request() -> None:
    html = render_to_string("500.html")
    assert "500" in html
    assert "vendor/tabler/tabler.min.css" in html


def test_403_page_renders() -> None:
    html = render_to_string("403.html", {})
    assert "Access denied" in html
