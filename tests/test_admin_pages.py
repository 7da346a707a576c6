"""The Django admin: every Attain model is registered, and its list and detail pages open for an admin."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from attain.accounts.tests.factories import UserFactory

ATTAIN_APPS = {"core", "accounts", "org", "sales", "demo"}
# Models without an admin page, and why.
UNREGISTERED_ON_PURPOSE: dict[str, str] = {
    "demo.demoload": "bookkeeping of the demo loader, removed with `attain demo --reset`",
    "demo.demoobject": "bookkeeping of the demo loader, removed with `attain demo --reset`",
    "core.calendarday": "edited inline on its work calendar",
}


def _attain_models() -> list[type]:
    return [m for m in apps.get_models() if m._meta.app_label in ATTAIN_APPS]


def test_every_model_has_an_admin_page() -> None:
    missing = [
        m._meta.label_lower
        for m in _attain_models()
        if m not in admin.site._registry and m._meta.label_lower not in UNREGISTERED_ON_PURPOSE
    ]
    assert not missing, f"models without an admin page: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [m for m in _attain_models() if m in admin.site._registry], ids=lambda m: m._meta.label_lower
)
def test_admin_changelist_and_add_pages_open(client, rf, model) -> None:
    user = UserFactory(admin=True)
    client.force_login(user)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    request = rf.get("/")
    request.user = user
    may_add = admin.site._registry[model].has_add_permission(request)
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == (200 if may_add else 403)
