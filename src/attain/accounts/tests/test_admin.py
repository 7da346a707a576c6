"""The admin: user pages show role, scope and person; tokens are revoke-only; failed logins can be cleared."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attain.accounts import services
from attain.accounts.models import ApiToken, LoginAttempt, User
from attain.accounts.tests.factories import LoginAttemptFactory, UserFactory
from attain.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_non_staff_are_sent_to_the_admin_login(client, rep_user):
    client.force_login(rep_user)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_user_pages(admin_client, small_org):
    user = UserFactory(username="linked", hr=True, scope_unit=small_org.east)
    small_org.east_rep.user = user
    small_org.east_rep.save()
    response = admin_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert b"linked" in response.content
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert b"East Rep" in response.content
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200


def test_user_change_is_audited(admin_client, rep_user):
    url = reverse("admin:accounts_user_change", args=[rep_user.pk])
    form = {
        "username": rep_user.username,
        "first_name": "Renamed",
        "last_name": rep_user.last_name,
        "email": rep_user.email,
        "is_active": "on",
        "role": "finance",
        "preferred_language": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="accounts.user.admin_change")
    assert (event.before["role"], event.after["role"]) == ("rep", "finance")


def test_token_digest_never_shown_and_revoke_action(admin_client, rep_user):
    token, _secret = services.api_token_create(user=rep_user, name="laptop")
    response = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert response.status_code == 200
    assert token.digest.encode() not in response.content
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.count() == 1


def test_login_attempts_read_only_and_clear(admin_client):
    attempt = LoginAttemptFactory(username="alice")
    assert admin_client.get(reverse("admin:accounts_loginattempt_changelist")).status_code == 200
    response = admin_client.post(
        reverse("admin:accounts_loginattempt_change", args=[attempt.pk]), {"username": "changed"}
    )
    assert response.status_code == 403
    response = admin_client.post(
        reverse("admin:accounts_loginattempt_changelist"), {"action": "clear", "_selected_action": [attempt.pk]}
    )
    assert response.status_code == 302
    assert not LoginAttempt.objects.exists()
    assert AuditEvent.objects.filter(action="accounts.login_attempt.clear").exists()
    assert User.objects.count() == 1
