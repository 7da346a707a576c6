"""End-to-end: log in per role, switch language, lockout message, phone layout, the home chart renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.browser.conftest import PHONE, log_in


def test_rep_logs_in_and_sees_the_home_page(page: Any, make_user: Callable[..., Any], live_server: Any) -> None:
    make_user("rita", role="rep", first_name="Rita")
    log_in(page, "rita")
    assert page.url == f"{live_server.url}/"
    home = page.locator("#home")
    assert home.get_attribute("data-role") == "rep"
    assert page.locator("#main-menu").is_visible()
    assert page.locator("#main-menu a[href='/admin/']").count() == 0


def test_admin_logs_in_and_sees_the_overview(page: Any, make_user: Callable[..., Any]) -> None:
    from attain.org import services as org_services

    company = org_services.unit_create(actor=None, code="CO", name="Acme", kind="company")
    region = org_services.unit_create(actor=None, code="N", name="North", kind="region", parent=company)
    team = org_services.unit_create(actor=None, code="N1", name="North One", kind="team", parent=region)
    person = org_services.person_create(actor=None, employee_no="E1", name="Pat")
    org_services.membership_add(
        actor=None, person=person, unit=team, role="member", valid_from=timezone.localdate() - dt.timedelta(days=5)
    )
    make_user("boss", role="admin", is_staff=True, is_superuser=True)
    log_in(page, "boss")
    assert page.locator("#home").get_attribute("data-role") == "admin"
    assert page.locator("#users-by-role").is_visible()
    assert page.locator("#main-menu a[href='/admin/']").is_visible()
    # charts.js turned the json_script data into an ECharts chart (SVG renderer), with no inline script.
    page.wait_for_selector("#region-chart svg")
    page.wait_for_selector("#team-chart svg")
    assert page.locator("#total-headcount").inner_text() == "1"


def test_language_switch_changes_the_interface(new_page: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    make_user("rita", role="rep")
    page = new_page(locale="zh-CN")
    log_in(page, "rita")
    html = page.locator("html")
    home_link = page.locator("#main-menu .nav-link").first
    assert html.get_attribute("lang") == "zh-hans"
    assert home_link.inner_text() == "首页"

    page.click(".attain-language-switch button[data-language='en']")
    page.wait_for_load_state("domcontentloaded")
    assert html.get_attribute("lang") == "en"
    assert home_link.inner_text() == "Home"
    assert page.locator(".attain-language-switch button[data-language='en']").get_attribute("aria-current") == "true"

    page.click(".attain-language-switch button[data-language='zh-hant']")
    page.wait_for_load_state("domcontentloaded")
    assert html.get_attribute("lang") == "zh-hant"
    assert home_link.inner_text() == "首頁"
    # The switch keeps the current page.
    assert page.locator("#home").count() == 1


def test_wrong_passwords_lead_to_the_lockout_message(page: Any, make_user: Callable[..., Any], settings: Any) -> None:
    settings.ATTAIN_LOGIN_MAX_FAILURES = 3
    settings.ATTAIN_LOGIN_LOCKOUT_SECONDS = 900
    make_user("rita", role="rep")
    for _ in range(3):
        log_in(page, "rita", "not-the-password")
    log_in(page, "rita")  # the right password, too late
    errors = page.locator("#form-errors")
    assert "Too many failed attempts; try again in 15 minutes." in errors.inner_text()
    assert page.locator("#login-form").is_visible()


def test_phone_viewport_collapses_the_menu(new_page: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    make_user("rita", role="rep")
    page = new_page(viewport=PHONE)
    log_in(page, "rita")
    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#main-menu")
    assert toggler.is_visible()
    assert not menu.is_visible()
    toggler.click()
    menu.wait_for(state="visible")
    assert menu.locator(".nav-link").first.is_visible()
    # Nothing is wider than the phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
