"""Services of the accounts domain: users and roles, tokens, failed logins; each write is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from attain.accounts import services
from attain.accounts.choices import Role
from attain.accounts.models import ApiToken, LoginAttempt, User
from attain.accounts.tests.factories import LoginAttemptFactory, UserFactory
from attain.core.errors import ConflictError, PermissionDeniedError, ValidationError
from attain.core.models import AuditEvent

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Tr1cky-enough-pw"


def audit_actions(**filters: object) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).order_by("id").values_list("action", flat=True))


class TestUserCreate:
    def test_without_password_the_user_cannot_log_in(self, admin_user):
        user = services.user_create(actor=admin_user, username="alice", role=Role.REP)
        assert not user.has_usable_password()
        assert user.role == Role.REP
        assert not user.is_staff
        assert not user.is_superuser
        assert audit_actions(object_id=str(user.pk)) == ["accounts.user.create"]
        event = AuditEvent.objects.get(object_id=str(user.pk))
        assert event.actor_id == admin_user.pk
        assert "password" not in event.after

    def test_with_password_and_names(self):
        user = services.user_create(
            actor=None, username=" bob ", password=GOOD_PASSWORD, role=Role.FINANCE, first_name="Bob", email="b@x.cn"
        )
        assert user.username == "bob"
        assert user.check_password(GOOD_PASSWORD)
        assert AuditEvent.objects.get(object_id=str(user.pk)).actor_label == "system"

    def test_admin_role_gets_admin_flags(self):
        user = services.user_create(actor=None, username="root", password=GOOD_PASSWORD, role=Role.ADMIN)
        assert user.is_staff
        assert user.is_superuser

    def test_weak_password_is_refused_with_field(self):
        with pytest.raises(ValidationError) as exc:
            services.user_create(actor=None, username="carol", password="123", role=Role.REP)
        assert exc.value.field == "password"
        assert not User.objects.filter(username="carol").exists()

    def test_duplicate_username(self, rep_user):
        with pytest.raises(ConflictError) as exc:
            services.user_create(actor=None, username=rep_user.username, role=Role.REP)
        assert exc.value.field == "username"

    @pytest.mark.parametrize("username", ["", "   ", "bad name!"])
    def test_bad_username(self, username):
        with pytest.raises(ValidationError) as exc:
            services.user_create(actor=None, username=username, role=Role.REP)
        assert exc.value.field == "username"

    def test_bad_email(self):
        with pytest.raises(ValidationError) as exc:
            services.user_create(actor=None, username="dave", role=Role.REP, email="not-an-email")
        assert exc.value.field == "email"

    def test_unknown_role(self):
        with pytest.raises(ValidationError) as exc:
            services.user_create(actor=None, username="erin", role="emperor")
        assert exc.value.field == "role"

    def test_scope_unit_only_for_scoped_roles(self, small_org):
        hr = services.user_create(actor=None, username="hr", role=Role.HR, scope_unit=small_org.east)
        assert hr.scope_unit == small_org.east
        with pytest.raises(ValidationError) as exc:
            services.user_create(actor=None, username="mgr", role=Role.MANAGER, scope_unit=small_org.east)
        assert exc.value.field == "scope_unit"

    @pytest.mark.parametrize("role", [Role.REP, Role.MANAGER, Role.DIRECTOR, Role.HR, Role.FINANCE])
    def test_only_user_managers_may_create(self, role):
        actor = UserFactory(role=role)
        with pytest.raises(PermissionDeniedError):
            services.user_create(actor=actor, username="mallory", role=Role.ADMIN)
        assert not User.objects.filter(username="mallory").exists()

    def test_links_the_person(self, small_org, admin_user):
        user = services.user_create(actor=admin_user, username="erep", role=Role.REP, person=small_org.east_rep)
        small_org.east_rep.refresh_from_db()
        assert small_org.east_rep.user_id == user.pk
        assert AuditEvent.objects.get(action="accounts.user.create").after["person"] == small_org.east_rep.pk

    def test_person_with_a_login_is_refused(self, small_org):
        services.user_create(actor=None, username="first", role=Role.REP, person=small_org.east_rep)
        with pytest.raises(ConflictError) as exc:
            services.user_create(actor=None, username="second", role=Role.REP, person=small_org.east_rep)
        assert exc.value.field == "person"
        assert not User.objects.filter(username="second").exists()


class TestUserSetRole:
    def test_change_role_and_scope(self, admin_user, small_org):
        user = UserFactory(rep=True)
        services.user_set_role(actor=admin_user, user=user, role=Role.DIRECTOR, scope_unit=small_org.west)
        user.refresh_from_db()
        assert (user.role, user.scope_unit_id) == (Role.DIRECTOR, small_org.west.pk)
        event = AuditEvent.objects.get(action="accounts.user.set_role")
        assert event.before["role"] == Role.REP
        assert event.after["scope_unit"] == small_org.west.pk

    def test_promotion_to_admin_and_back_moves_the_flags(self, admin_user):
        user = UserFactory(rep=True)
        services.user_set_role(actor=admin_user, user=user, role=Role.ADMIN)
        user.refresh_from_db()
        assert user.is_staff
        assert user.is_superuser
        services.user_set_role(actor=admin_user, user=user, role=Role.REP)
        user.refresh_from_db()
        assert not user.is_staff
        assert not user.is_superuser

    def test_same_role_is_not_audited_again(self, admin_user):
        user = UserFactory(rep=True)
        services.user_set_role(actor=admin_user, user=user, role=Role.REP)
        assert not AuditEvent.objects.filter(action="accounts.user.set_role").exists()

    def test_own_role_cannot_be_changed(self, admin_user):
        with pytest.raises(ValidationError):
            services.user_set_role(actor=admin_user, user=admin_user, role=Role.REP)

    def test_non_manager_refused(self):
        actor, victim = UserFactory(hr=True), UserFactory(rep=True)
        with pytest.raises(PermissionDeniedError):
            services.user_set_role(actor=actor, user=victim, role=Role.ADMIN)
        victim.refresh_from_db()
        assert victim.role == Role.REP


class TestUserDeactivate:
    def test_deactivates_and_revokes_tokens(self, admin_user, rep_user):
        token, secret = services.api_token_create(user=rep_user, name="ci")
        services.user_deactivate(actor=admin_user, user=rep_user, reason="left the company")
        rep_user.refresh_from_db()
        token.refresh_from_db()
        assert not rep_user.is_active
        assert token.revoked_at is not None
        assert services.api_token_authenticate(secret=secret) is None
        event = AuditEvent.objects.get(action="accounts.user.deactivate")
        assert event.reason == "left the company"
        assert event.after["tokens_revoked"] == 1

    def test_twice_is_a_no_op(self, admin_user, rep_user):
        services.user_deactivate(actor=admin_user, user=rep_user)
        services.user_deactivate(actor=admin_user, user=rep_user)
        assert AuditEvent.objects.filter(action="accounts.user.deactivate").count() == 1

    def test_not_yourself(self, admin_user):
        with pytest.raises(ValidationError):
            services.user_deactivate(actor=admin_user, user=admin_user)

    def test_non_manager_refused(self, rep_user):
        other = UserFactory()
        with pytest.raises(PermissionDeniedError):
            services.user_deactivate(actor=rep_user, user=other)


class TestUserSetPassword:
    def test_own_password(self, rep_user):
        services.user_set_password(actor=rep_user, user=rep_user, password=GOOD_PASSWORD)
        rep_user.refresh_from_db()
        assert rep_user.check_password(GOOD_PASSWORD)

    def test_someone_elses_needs_users_manage(self, rep_user):
        with pytest.raises(PermissionDeniedError):
            services.user_set_password(actor=UserFactory(), user=rep_user, password=GOOD_PASSWORD)


class TestUserAdminEnsure:
    def test_creates_then_is_idempotent(self):
        user, created = services.user_admin_ensure(actor=None, username="root", password=GOOD_PASSWORD)
        assert created
        assert user.is_superuser
        assert user.is_staff
        assert user.role == Role.ADMIN
        events = AuditEvent.objects.count()
        again, created = services.user_admin_ensure(actor=None, username="root")
        assert not created
        assert again.pk == user.pk
        assert AuditEvent.objects.count() == events

    def test_promotes_and_reactivates_an_existing_user(self, rep_user):
        rep_user.is_active = False
        rep_user.save()
        user, created = services.user_admin_ensure(actor=None, username=rep_user.username, email="new@x.cn")
        assert not created
        assert (user.role, user.is_active, user.is_superuser, user.email) == (Role.ADMIN, True, True, "new@x.cn")

    def test_new_admin_needs_a_password(self):
        with pytest.raises(ValidationError) as exc:
            services.user_admin_ensure(actor=None, username="nopass")
        assert exc.value.field == "password"


class TestApiTokens:
    def test_create_stores_only_the_digest(self, rep_user):
        token, secret = services.api_token_create(user=rep_user, name=" laptop ")
        assert secret.startswith(services.TOKEN_PREFIX)
        assert token.name == "laptop"
        assert secret not in (token.digest, token.prefix)
        assert secret.startswith(token.prefix)
        assert not ApiToken.objects.filter(digest=secret).exists()
        assert services.api_token_authenticate(secret=secret) == rep_user
        token.refresh_from_db()
        assert token.last_used_at is not None
        assert audit_actions() == ["accounts.api_token.create"]

    @pytest.mark.parametrize("name", ["", "  ", "x" * 101])
    def test_name_is_validated(self, rep_user, name):
        with pytest.raises(ValidationError) as exc:
            services.api_token_create(user=rep_user, name=name)
        assert exc.value.field == "name"

    def test_expiry_must_be_aware_and_future(self, rep_user):
        with pytest.raises(ValidationError):
            services.api_token_create(user=rep_user, name="t", expires_at=timezone.now() - dt.timedelta(seconds=1))
        with pytest.raises(ValidationError):
            services.api_token_create(user=rep_user, name="t", expires_at=dt.datetime(2999, 1, 1))  # noqa: DTZ001

    def test_revoked_token_is_refused(self, rep_user):
        token, secret = services.api_token_create(user=rep_user, name="t")
        services.api_token_revoke(actor=rep_user, token=token)
        assert services.api_token_authenticate(secret=secret) is None
        services.api_token_revoke(actor=rep_user, token=token)  # twice: no error, no second event
        assert audit_actions() == ["accounts.api_token.create", "accounts.api_token.revoke"]

    def test_expired_token_is_refused(self, rep_user):
        token, secret = services.api_token_create(
            user=rep_user, name="t", expires_at=timezone.now() + dt.timedelta(hours=1)
        )
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert services.api_token_authenticate(secret=secret) is None

    def test_inactive_user_token_is_refused(self, rep_user):
        _token, secret = services.api_token_create(user=rep_user, name="t")
        User.objects.filter(pk=rep_user.pk).update(is_active=False)
        assert services.api_token_authenticate(secret=secret) is None

    @pytest.mark.parametrize("garbage", ["", "x", "att_", "att_" + "a" * 43 + "b", "Bearer", "tok_" + "a" * 43])
    def test_garbage_costs_no_query(self, garbage, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert services.api_token_authenticate(secret=garbage) is None

    def test_well_formed_unknown_token_costs_one_query(self, django_assert_num_queries):
        with django_assert_num_queries(1):
            assert services.api_token_authenticate(secret="att_" + "a" * 43) is None

    def test_others_may_not_revoke_but_user_managers_may(self, rep_user, admin_user):
        token, _secret = services.api_token_create(user=rep_user, name="t")
        with pytest.raises(PermissionDeniedError):
            services.api_token_revoke(actor=UserFactory(manager=True), token=token)
        token.refresh_from_db()
        assert token.revoked_at is None
        services.api_token_revoke(actor=admin_user, token=token)
        token.refresh_from_db()
        assert token.revoked_at is not None


class TestLoginFailures:
    def test_record_normalises(self):
        attempt = services.login_failure_record(username="  Alice ", ip="not an ip")
        assert (attempt.username, attempt.ip_address) == ("alice", None)
        attempt = services.login_failure_record(username="alice", ip="::1")
        assert attempt.ip_address == "::1"

    def test_clear_for_username(self):
        LoginAttemptFactory.create_batch(3, username="alice")
        LoginAttemptFactory(username="bob")
        assert services.login_failures_clear(username="ALICE") == 3
        assert list(LoginAttempt.objects.values_list("username", flat=True)) == ["bob"]

    def test_clear_by_hand_is_audited_and_needs_users_manage(self, admin_user, rep_user):
        LoginAttemptFactory.create_batch(2, username="alice")
        with pytest.raises(PermissionDeniedError):
            services.login_attempts_clear(actor=rep_user, attempts=LoginAttempt.objects.all())
        assert services.login_attempts_clear(actor=admin_user, attempts=LoginAttempt.objects.all()) == 2
        assert not LoginAttempt.objects.exists()
        event = AuditEvent.objects.get(action="accounts.login_attempt.clear")
        assert event.before["usernames"] == ["alice"]
