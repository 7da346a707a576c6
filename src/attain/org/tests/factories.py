"""factory_boy factories for the org domain (they build rows through the services, so paths stay right)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from attain.accounts.models import User
from attain.org import services
from attain.org.choices import MembershipRole, UnitKind
from attain.org.models import Membership, Person, Unit


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.TEAM
    parent = None

    @classmethod
    def _create(cls, model_class: type[Unit], *args: Any, **kwargs: Any) -> Unit:
        return services.unit_create(
            actor=None, code=kwargs["code"], name=kwargs["name"], kind=kwargs["kind"], parent=kwargs.get("parent")
        )


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"Person {n}")
    email = ""
    user = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    unit = factory.SubFactory(UnitFactory)
    role = MembershipRole.MEMBER
    valid_from = dt.date(2026, 1, 1)
    valid_to = None

    @classmethod
    def _create(cls, model_class: type[Membership], *args: Any, **kwargs: Any) -> Membership:
        return services.membership_add(actor=None, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = "rep"
    is_active = True
