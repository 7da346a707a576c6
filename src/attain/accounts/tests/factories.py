"""Factories of the accounts domain: users (with a trait per role), API tokens, failed logins."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from attain.accounts.choices import Role
from attain.accounts.models import ApiToken, LoginAttempt, User

PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    """A rep by default; ``UserFactory(admin=True)``, ``(manager=True)``… pick the role (and admin flags)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    role = Role.REP
    is_active = True
    password = factory.django.Password(PASSWORD)

    class Params:
        admin = factory.Trait(role=Role.ADMIN, is_staff=True, is_superuser=True)
        director = factory.Trait(role=Role.DIRECTOR)
        manager = factory.Trait(role=Role.MANAGER)
        rep = factory.Trait(role=Role.REP)
        hr = factory.Trait(role=Role.HR)
        finance = factory.Trait(role=Role.FINANCE)


class ApiTokenFactory(DjangoModelFactory):
    """A token row with a made-up digest (use ``services.api_token_create`` when the secret matters)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    prefix = factory.Sequence(lambda n: f"att_{n:06d}"[:10])
    digest = factory.Sequence(lambda n: f"{n:064x}")


class LoginAttemptFactory(DjangoModelFactory):
    class Meta:
        model = LoginAttempt

    username = "someone"
    ip_address = "192.0.2.1"
