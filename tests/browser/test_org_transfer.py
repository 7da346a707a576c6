"""End-to-end: HR moves a rep to another team from the person page; the history keeps both memberships."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.browser.conftest import DemoWorld, log_in


def test_hr_transfers_a_rep_to_another_team(new_page: Callable[..., Any], demo_world: DemoWorld) -> None:
    from attain.org import selectors
    from attain.org.models import Person

    rep = Person.objects.get(user__username=demo_world.logins["rep"].username)
    today = timezone.localdate()
    before = selectors.person_unit_on(person=rep, on=today)
    assert before is not None
    target = selectors.unit_reference().filter(kind="team").exclude(pk=before.pk).order_by("code").first()
    assert target is not None
    move_on = today + dt.timedelta(days=7)

    page = new_page(locale="zh-CN")
    log_in(page, demo_world.logins["hr"].username, demo_world.password)
    page.goto(f"/org/people/{rep.pk}/")
    page.click("#transfer-link")
    page.select_option("#id_to_unit", str(target.pk))
    page.fill("#id_on", move_on.isoformat())
    page.fill("#id_note", "支援新团队")
    page.click("#transfer-form button[type=submit]")
    page.wait_for_url(f"**/org/people/{rep.pk}/")

    assert rep.name in page.locator(".alert-success").inner_text()
    history = page.locator("table").last.inner_text()
    assert before.name in history
    assert target.name in history
    assert selectors.person_unit_on(person=rep, on=move_on - dt.timedelta(days=1)) == before
    assert selectors.person_unit_on(person=rep, on=move_on) == target


def test_a_rep_cannot_open_the_transfer_page(new_page: Callable[..., Any], demo_world: DemoWorld) -> None:
    from attain.org.models import Person

    rep = Person.objects.get(user__username=demo_world.logins["rep"].username)
    page = new_page(locale="en-US")
    log_in(page, demo_world.logins["rep"].username, demo_world.password)
    page.goto(f"/org/people/{rep.pk}/")
    assert page.locator("#transfer-link").count() == 0
    response = page.goto(f"/org/people/{rep.pk}/transfer/")
    assert response is not None
    assert response.status == 403
