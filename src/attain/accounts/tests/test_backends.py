"""Login lockout through Django's ``authenticate``: by username, by address, right password refused while
locked, success clears the username's failures, and the request tells the login page how long to wait."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from attain.accounts.models import LoginAttempt
from attain.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.ATTAIN_LOGIN_MAX_FAILURES = 3
    settings.ATTAIN_LOGIN_LOCKOUT_SECONDS = 900


def login(username, password, ip="192.0.2.10"):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)
    return authenticate(request, username=username, password=password), request


def test_right_password_logs_in():
    user = UserFactory(username="alice")
    assert login("alice", PASSWORD)[0] == user
    assert not LoginAttempt.objects.exists()


def test_failures_are_recorded_with_address():
    UserFactory(username="alice")
    login("alice", "wrong")
    assert list(LoginAttempt.objects.values_list("username", "ip_address")) == [("alice", "192.0.2.10")]


def test_unknown_usernames_count_too():
    login("nobody", "wrong")
    assert LoginAttempt.objects.filter(username="nobody").count() == 1


def test_locked_username_refuses_the_right_password_and_says_how_long():
    UserFactory(username="alice")
    for _ in range(2):
        _user, request = login("alice", "wrong")
        assert not getattr(request, "attain_lockout", False)
    _user, request = login("alice", "wrong")
    assert request.attain_lockout is True  # the failure that reaches the limit already reports the lock
    user, request = login("alice", PASSWORD, ip="198.51.100.1")
    assert user is None
    assert request.attain_lockout is True
    assert 890 <= request.attain_lockout_seconds <= 900
    assert LoginAttempt.objects.count() == 3  # attempts while locked are not recorded (no endless extension)


def test_locked_address_refuses_every_username():
    UserFactory(username="alice")
    for name in ("x", "y", "z"):
        login(name, "wrong", ip="203.0.113.5")
    assert login("alice", PASSWORD, ip="203.0.113.5")[0] is None
    assert login("alice", PASSWORD, ip="203.0.113.6")[0] is not None


def test_lock_lifts_after_the_window(settings):
    user = UserFactory(username="alice")
    for _ in range(3):
        login("alice", "wrong")
    assert login("alice", PASSWORD)[0] is None
    settings.ATTAIN_LOGIN_LOCKOUT_SECONDS = 0  # the window has passed
    assert login("alice", PASSWORD)[0] == user


def test_success_clears_the_usernames_failures_only():
    UserFactory(username="alice")
    login("alice", "wrong")
    login("alice", "wrong")
    login("bob", "wrong", ip="192.0.2.99")
    assert login("alice", PASSWORD)[0] is not None
    assert list(LoginAttempt.objects.values_list("username", flat=True)) == ["bob"]


def test_without_request_counts_by_username():
    UserFactory(username="alice")
    for _ in range(3):
        assert authenticate(None, username="alice", password="wrong") is None
    assert authenticate(None, username="alice", password=PASSWORD) is None
    assert LoginAttempt.objects.filter(ip_address__isnull=True).count() == 3


def test_inactive_user_cannot_log_in():
    UserFactory(username="alice", is_active=False)
    assert login("alice", PASSWORD)[0] is None


def test_login_through_the_login_page_is_throttled(client):
    UserFactory(username="alice")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200  # the form is shown again: not logged in
    assert "_auth_user_id" not in client.session
