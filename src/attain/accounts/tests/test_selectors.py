"""Reads of the accounts domain: capabilities, visible users and tokens, lockout arithmetic, scope words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from attain.accounts import selectors, services
from attain.accounts.choices import Capability, Role
from attain.accounts.models import LoginAttempt
from attain.accounts.tests.factories import LoginAttemptFactory, UserFactory
from attain.core.errors import NotFoundError

pytestmark = pytest.mark.django_db


class TestUserCan:
    def test_admin_may_everything(self, admin_user):
        assert all(selectors.user_can(admin_user, c) for c in Capability.values)

    def test_rep_may_nothing(self, rep_user):
        assert selectors.user_capabilities(rep_user) == []

    def test_inactive_and_anonymous_may_nothing(self):
        assert not selectors.user_can(UserFactory(admin=True, is_active=False), Capability.USERS_MANAGE)
        assert not selectors.user_can(AnonymousUser(), Capability.ORG_VIEW)
        assert not selectors.user_can(None, Capability.ORG_VIEW)

    def test_only_admin_manages_users(self):
        for role in Role.values:
            assert selectors.user_can(UserFactory(role=role), Capability.USERS_MANAGE) == (role == Role.ADMIN)


class TestUserList:
    def test_user_manager_sees_all(self, admin_user, rep_user):
        assert set(selectors.user_list(actor=admin_user)) == {admin_user, rep_user}

    def test_others_see_only_themselves(self, admin_user, rep_user):
        assert list(selectors.user_list(actor=rep_user)) == [rep_user]
        assert list(selectors.user_list(actor=AnonymousUser())) == []
        with pytest.raises(NotFoundError):
            selectors.user_get(actor=rep_user, pk=admin_user.pk)
        assert selectors.user_get(actor=admin_user, pk=rep_user.pk) == rep_user

    def test_constant_queries(self, admin_user, small_org, django_assert_num_queries):
        for n in range(5):
            UserFactory(hr=True, scope_unit=small_org.east, username=f"hr{n}")
        with django_assert_num_queries(1):
            users = list(selectors.user_list(actor=admin_user))
            assert [u.scope_unit for u in users if u.scope_unit_id]
            assert [getattr(u, "person", None) for u in users]


class TestApiTokenList:
    def test_own_tokens_only(self, rep_user, admin_user):
        mine, _ = services.api_token_create(user=rep_user, name="mine")
        theirs, _ = services.api_token_create(user=admin_user, name="theirs")
        assert list(selectors.api_token_list(actor=rep_user)) == [mine]
        assert list(selectors.api_token_list(actor=admin_user)) == [theirs]  # not even admins list others' here
        with pytest.raises(NotFoundError):
            selectors.api_token_get(actor=rep_user, pk=theirs.pk)
        assert list(selectors.api_token_list(actor=AnonymousUser())) == []


class TestLoginLockoutRemaining:
    @pytest.fixture(autouse=True)
    def _limits(self, settings):
        settings.ATTAIN_LOGIN_MAX_FAILURES = 3
        settings.ATTAIN_LOGIN_LOCKOUT_SECONDS = 600

    def fail(self, username="alice", ip="192.0.2.1", seconds_ago=0):
        attempt = LoginAttemptFactory(username=username, ip_address=ip)
        if seconds_ago:
            at = timezone.now() - dt.timedelta(seconds=seconds_ago)
            LoginAttempt.objects.filter(pk=attempt.pk).update(attempted_at=at)

    def test_below_the_limit_is_not_locked(self):
        self.fail()
        self.fail()
        assert selectors.login_lockout_remaining(username="alice", ip="192.0.2.1") == 0

    def test_at_the_limit_the_username_is_locked_from_any_address(self):
        for _ in range(3):
            self.fail(ip=None)
        remaining = selectors.login_lockout_remaining(username="ALICE", ip="198.51.100.7")
        assert 595 <= remaining <= 600

    def test_at_the_limit_the_address_is_locked_for_any_username(self):
        for name in ("a", "b", "c"):
            self.fail(username=name)
        assert selectors.login_lockout_remaining(username="zed", ip="192.0.2.1") > 0
        assert selectors.login_lockout_remaining(username="zed", ip="192.0.2.2") == 0

    def test_lock_lifts_when_the_oldest_counted_failure_leaves_the_window(self):
        self.fail(seconds_ago=500)
        self.fail(seconds_ago=100)
        self.fail(seconds_ago=50)
        remaining = selectors.login_lockout_remaining(username="alice", ip=None)
        assert 95 <= remaining <= 100

    def test_old_failures_do_not_count(self):
        for _ in range(3):
            self.fail(seconds_ago=601)
        assert selectors.login_lockout_remaining(username="alice", ip="192.0.2.1") == 0

    def test_zero_max_disables(self, settings):
        settings.ATTAIN_LOGIN_MAX_FAILURES = 0
        for _ in range(3):
            self.fail()
        assert selectors.login_lockout_remaining(username="alice", ip="192.0.2.1") == 0


class TestUserScopeDescribe:
    def test_admin(self, admin_user):
        assert "Everything" in selectors.user_scope_describe(user=admin_user)

    def test_scoped_roles(self, small_org):
        assert "All org units" in selectors.user_scope_describe(user=UserFactory(director=True))
        text = selectors.user_scope_describe(user=UserFactory(hr=True, scope_unit=small_org.east))
        assert "East region" in text

    def test_manager(self, small_org):
        user = UserFactory(manager=True)
        assert "not linked" in selectors.user_scope_describe(user=user)
        small_org.east_manager.user = user
        small_org.east_manager.save()
        assert "East team" in selectors.user_scope_describe(user=user)
        other = UserFactory(manager=True)
        small_org.east_rep.user = other
        small_org.east_rep.save()
        assert "manage no unit" in selectors.user_scope_describe(user=other)

    def test_rep(self, small_org, rep_user):
        small_org.east_rep.user = rep_user
        small_org.east_rep.save()
        assert selectors.user_scope_describe(user=rep_user) == "Your own data only."

    def test_anonymous(self):
        assert "Nothing" in selectors.user_scope_describe(user=AnonymousUser())

    def test_translated(self, admin_user):
        from django.utils import translation

        with translation.override("en"):
            assert selectors.user_scope_describe(user=admin_user)


def test_full_name_puts_a_chinese_family_name_first() -> None:
    from attain.accounts.models import User

    assert User(first_name="秀婷", last_name="陈").get_full_name() == "陈秀婷"
    assert User(first_name="David", last_name="Wang").get_full_name() == "David Wang"
    assert User(first_name="", last_name="").get_full_name() == ""
