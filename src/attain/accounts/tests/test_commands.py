"""``attain createadmin``: creates or promotes an administrator, idempotent, with clear errors."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from attain.accounts.choices import Role
from attain.accounts.models import User
from attain.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Tr1cky-enough-pw"


def run(*args: str, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("createadmin", *args, stdout=out)
    return out.getvalue()


def test_creates_an_admin_then_is_idempotent():
    out = run("--username", "root", "--password", PASSWORD, "--email", "root@example.com")
    assert "root" in out
    user = User.objects.get(username="root")
    assert (user.role, user.is_staff, user.is_superuser, user.email) == (Role.ADMIN, True, True, "root@example.com")
    assert user.check_password(PASSWORD)
    run("--username", "root", "--password", PASSWORD)
    assert User.objects.filter(username="root").count() == 1


def test_json_output():
    body = json.loads(run("--username", "root", "--password", PASSWORD, "--format", "json"))
    assert body["created"] is True
    assert body["role"] == "admin"
    body = json.loads(run("--username", "root", "--format", "json"))
    assert body["created"] is False


def test_password_from_stdin(monkeypatch):
    run("--username", "root", "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert User.objects.get(username="root").check_password(PASSWORD)


def test_empty_stdin_is_an_error(monkeypatch):
    with pytest.raises(CommandError, match="standard input"):
        run("--username", "root", "--password-stdin", stdin="", monkeypatch=monkeypatch)


def test_promotes_an_existing_user_keeping_the_password():
    rep = UserFactory(username="alice", rep=True)
    run("--username", "alice")
    rep.refresh_from_db()
    assert rep.role == Role.ADMIN
    assert rep.is_superuser
    assert rep.has_usable_password()


def test_new_admin_without_password_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="password"):
        run("--username", "nobody")
    assert not User.objects.exists()


def test_weak_password_is_a_clear_error():
    with pytest.raises(CommandError, match="password"):
        run("--username", "root", "--password", "123")
    assert not User.objects.exists()
