"""Contract of ``/api/v1/accounts/``: me, own tokens, users for user managers; token and session auth."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from attain.accounts import services
from attain.accounts.choices import Role
from attain.accounts.models import ApiToken, User
from attain.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/accounts"


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def rep_secret(rep_user):
    return services.api_token_create(user=rep_user, name="cli")[1]


@pytest.fixture
def admin_secret(admin_user):
    return services.api_token_create(user=admin_user, name="cli")[1]


class TestAuth:
    def test_anonymous_is_401(self, client):
        assert client.get(f"{BASE}/me").status_code == 401
        assert client.post(f"{BASE}/tokens", {"name": "x"}, content_type="application/json").status_code == 401

    def test_token(self, client, rep_user, rep_secret):
        response = client.get(f"{BASE}/me", **bearer(rep_secret))
        assert response.status_code == 200
        assert response.json()["username"] == rep_user.username

    def test_revoked_token_is_401(self, client, rep_user, rep_secret):
        services.api_token_revoke(actor=rep_user, token=ApiToken.objects.get(user=rep_user))
        assert client.get(f"{BASE}/me", **bearer(rep_secret)).status_code == 401

    def test_expired_token_is_401(self, client, rep_user, rep_secret):
        ApiToken.objects.filter(user=rep_user).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        assert client.get(f"{BASE}/me", **bearer(rep_secret)).status_code == 401

    def test_unknown_token_is_401(self, client):
        assert client.get(f"{BASE}/me", **bearer("att_" + "x" * 43)).status_code == 401
        assert client.get(f"{BASE}/me", **bearer("nonsense")).status_code == 401

    def test_session(self, client, rep_user):
        client.force_login(rep_user)
        assert client.get(f"{BASE}/me").status_code == 200

    def test_session_needs_csrf_for_unsafe_methods(self, rep_user):
        client = Client(enforce_csrf_checks=True)
        client.force_login(rep_user)
        assert client.get(f"{BASE}/tokens").status_code == 200  # safe methods need no token
        response = client.post(f"{BASE}/tokens", {"name": "x"}, content_type="application/json")
        assert response.status_code == 403
        assert not ApiToken.objects.exists()
        csrf = get_random_string(32)
        client.cookies["csrftoken"] = csrf
        response = client.post(f"{BASE}/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
        assert response.status_code == 201

    def test_token_needs_no_csrf(self, rep_secret):
        client = Client(enforce_csrf_checks=True)
        response = client.post(f"{BASE}/tokens", {"name": "x"}, content_type="application/json", **bearer(rep_secret))
        assert response.status_code == 201


class TestMe:
    def test_scope_summary(self, client, admin_user, admin_secret):
        body = client.get(f"{BASE}/me", **bearer(admin_secret)).json()
        assert body["role"] == Role.ADMIN
        assert body["scope"]["is_all"] is True
        assert "users.manage" in body["capabilities"]
        assert body["scope"]["description"]

    def test_rep(self, client, rep_user, rep_secret, small_org):
        small_org.east_rep.user = rep_user
        small_org.east_rep.save()
        body = client.get(f"{BASE}/me", **bearer(rep_secret)).json()
        assert body["scope"] == {
            "is_all": False,
            "unit_count": 0,
            "person_count": 1,
            "description": "Your own data only.",
        }
        assert body["capabilities"] == []


class TestTokens:
    def test_create_list_revoke(self, client, rep_user):
        client.force_login(rep_user)
        expires = (timezone.now() + dt.timedelta(days=30)).isoformat()
        response = client.post(
            f"{BASE}/tokens", {"name": "laptop", "expires_at": expires}, content_type="application/json"
        )
        assert response.status_code == 201
        created = response.json()
        assert created["secret"].startswith(created["prefix"])
        listed = client.get(f"{BASE}/tokens").json()
        assert [t["id"] for t in listed] == [created["id"]]
        assert "secret" not in listed[0]
        assert "digest" not in listed[0]
        # the new secret works
        assert Client().get(f"{BASE}/me", **bearer(created["secret"])).status_code == 200
        assert client.delete(f"{BASE}/tokens/{created['id']}").status_code == 204
        assert client.get(f"{BASE}/tokens").json()[0]["revoked_at"] is not None
        assert Client().get(f"{BASE}/me", **bearer(created["secret"])).status_code == 401

    def test_bad_input_is_4xx_with_field(self, client, rep_user):
        client.force_login(rep_user)
        response = client.post(f"{BASE}/tokens", {"name": "  "}, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["field"] == "name"
        past = (timezone.now() - dt.timedelta(days=1)).isoformat()
        response = client.post(f"{BASE}/tokens", {"name": "x", "expires_at": past}, content_type="application/json")
        assert (response.status_code, response.json()["field"]) == (400, "expires_at")
        assert client.post(f"{BASE}/tokens", {}, content_type="application/json").status_code == 422

    def test_someone_elses_token_is_404(self, client, rep_user, admin_user):
        theirs, _secret = services.api_token_create(user=admin_user, name="admin's")
        client.force_login(rep_user)
        assert client.delete(f"{BASE}/tokens/{theirs.pk}").status_code == 404
        theirs.refresh_from_db()
        assert theirs.revoked_at is None
        # not even an administrator deletes another user's token here (the admin site can revoke it)
        mine, _ = services.api_token_create(user=rep_user, name="mine")
        client.force_login(admin_user)
        assert client.delete(f"{BASE}/tokens/{mine.pk}").status_code == 404
        assert client.delete(f"{BASE}/tokens/999999").status_code == 404


class TestUsers:
    def test_list_needs_users_manage(self, client, rep_user, rep_secret, admin_secret):
        assert client.get(f"{BASE}/users", **bearer(rep_secret)).status_code == 403
        body = client.get(f"{BASE}/users", **bearer(admin_secret)).json()
        assert {u["username"] for u in body} == {"boss", "rep1"}

    def test_list_query_budget(self, client, admin_secret, small_org, django_assert_max_num_queries):
        for n in range(10):
            UserFactory(hr=True, scope_unit=small_org.west, username=f"hr{n}")
        with django_assert_max_num_queries(6):
            assert len(client.get(f"{BASE}/users", **bearer(admin_secret)).json()) == 11

    def test_create(self, client, admin_secret, small_org):
        payload = {
            "username": "newrep",
            "role": "rep",
            "email": "n@example.com",
            "person_id": small_org.east_rep.pk,
        }
        response = client.post(f"{BASE}/users", payload, content_type="application/json", **bearer(admin_secret))
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["person_id"] == small_org.east_rep.pk
        assert not User.objects.get(username="newrep").has_usable_password()

    def test_create_with_scope_unit(self, client, admin_secret, small_org):
        payload = {"username": "hr-east", "role": "hr", "scope_unit_id": small_org.east.pk, "password": "Tr1cky-pw-x"}
        response = client.post(f"{BASE}/users", payload, content_type="application/json", **bearer(admin_secret))
        assert response.status_code == 201
        assert response.json()["scope_unit_id"] == small_org.east.pk

    def test_create_errors(self, client, admin_secret, rep_secret, small_org):
        post = lambda payload, secret=admin_secret: client.post(  # noqa: E731
            f"{BASE}/users", payload, content_type="application/json", **bearer(secret)
        )
        assert post({"username": "x", "role": "rep"}, rep_secret).status_code == 403
        assert post({"username": "x", "role": "emperor"}).status_code == 422
        response = post({"username": "x", "role": "rep", "scope_unit_id": 999999})
        assert (response.status_code, response.json()["field"]) == (400, "scope_unit_id")
        response = post({"username": "x", "role": "rep", "person_id": 999999})
        assert (response.status_code, response.json()["field"]) == (400, "person_id")
        response = post({"username": "x", "role": "rep", "password": "1"})
        assert (response.status_code, response.json()["field"]) == (400, "password")
        response = post({"username": "boss", "role": "rep"})
        assert (response.status_code, response.json()["code"]) == (409, "username_taken")
        assert not User.objects.filter(username="x").exists()
