"""End-to-end: log in to the demo company and walk the org pages, per role, in zh-Hans / zh-Hant and English.

The world is the small demo (``attain.demo.services.demo_load``), built fresh for every test: it loads in well
under a second. Translated interface text is only checked against the catalogue entries the project guarantees
(``ZH_HANS`` / ``ZH_HANT`` below). Those checks are collected by ``Labels`` and verified at the end of a test,
after every structural assertion: while the zh-Hans catalogue is not compiled yet, a wrong Chinese label turns
the test into an expected failure ("catalogue pending") instead of hiding the structural checks behind one.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

import attain
from tests.browser.conftest import DemoWorld, log_in

CATALOGUE = Path(attain.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"

# English source string → what the page shows, per language (only entries the catalogues guarantee).
SOURCE_STRINGS = ("Organisation", "Home", "Members", "Managers", "Membership history", "People", "Log in", "Log out")
ZH_HANS = {
    "Organisation": "组织架构",
    "Home": "首页",
    "Members": "成员",
    "Managers": "经理",
    "Membership history": "任职记录",
    "People": "人员",
    "Log in": "登录",
    "Log out": "退出登录",
}
ZH_HANT = {"Organisation": "組織架構", "Home": "首頁"}


def _catalogue_pending() -> bool:
    """No compiled zh-Hans catalogue yet, or only the untranslated skeleton (none of the guaranteed entries)."""
    if not CATALOGUE.exists():
        return True
    with CATALOGUE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    return all(catalogue.gettext(source) == source for source in ZH_HANS)


CATALOGUE_PENDING = _catalogue_pending()
LANGUAGES = {
    # browser locale → (Django language code, expected labels)
    "en-US": ("en", {source: source for source in SOURCE_STRINGS}),
    "zh-CN": ("zh-hans", ZH_HANS),
}


class Labels:
    """Collects translated-label checks; ``verify()`` fails on a mismatch (xfails while the catalogue is pending)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.translated = False
        self.context = ""  # who is looking, in which language: prefixes every problem

    def expect(self, where: str, shown: str | None, source: str, expected: dict[str, str]) -> None:
        wanted = expected[source]
        self.translated = self.translated or wanted != source
        shown_text = " ".join((shown or "").split())
        if shown_text != wanted:
            self.problems.append(f"[{self.context}] {where}: {source!r} shown as {shown_text!r}, expected {wanted!r}")

    def verify(self) -> None:
        if not self.problems:
            return
        report = "; ".join(self.problems)
        if self.translated and CATALOGUE_PENDING:
            pytest.xfail(f"catalogue pending: {report}")
        pytest.fail(f"wrong interface text: {report}")


# --- the demo world, looked up in the database ------------------------------------------------------------------


def _unit(name: str) -> Any:
    from attain.org.models import Unit

    return Unit.objects.get(name=name)


def _person(username: str) -> Any:
    from attain.org.models import Person

    return Person.objects.get(user__username=username)


def _subtree_ids(unit: Any) -> set[int]:
    from attain.org.models import Unit

    return set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def _all_unit_ids() -> set[int]:
    from attain.org.models import Unit

    return set(Unit.objects.values_list("pk", flat=True))


def _members_today(unit: Any) -> list[str]:
    from attain.org.choices import MembershipRole
    from attain.org.selectors import unit_members_on

    return sorted(
        unit_members_on(unit=unit, on=timezone.localdate(), role=MembershipRole.MEMBER).values_list("name", flat=True)
    )


def _transfer(username: str) -> tuple[Any, Any, dt.date]:
    """(old team, new team, transfer date) of the demo's rep who changed team."""
    memberships = list(_person(username).memberships.select_related("unit").order_by("valid_from"))
    assert len(memberships) == 2, memberships
    old, new = memberships
    assert old.valid_to == new.valid_from - dt.timedelta(days=1)
    return old.unit, new.unit, new.valid_from


# --- page helpers -----------------------------------------------------------------------------------------------


def _log_in(page: Any, world: DemoWorld, kind: str) -> Any:
    login = world.logins[kind]
    log_in(page, login.username, world.password)
    assert page.locator("#home").count() == 1, f"{login.username} did not reach the home page: {page.url}"
    return login


def _tree_unit_ids(page: Any) -> set[int]:
    return {
        int(value)
        for value in page.locator("#org-tree li.org-node").evaluate_all("(nodes) => nodes.map((n) => n.dataset.unit)")
    }


def _texts(locator: Any) -> list[str]:
    return [" ".join(text.split()) for text in locator.all_inner_texts()]


def _linked_names(page: Any, selector: str) -> list[str]:
    """The names in a list of person links (each link is the name, then the employee number in a span)."""
    script = "(links) => links.map((link) => link.firstChild.textContent.trim())"
    return sorted(page.locator(selector).evaluate_all(script))


def _cells(page: Any, selector: str) -> list[list[str]]:
    """The text of every cell of the table rows ``selector``."""
    script = "(rows) => rows.map((row) => Array.from(row.cells, (cell) => cell.textContent.trim()))"
    return list(page.locator(selector).evaluate_all(script))


def _card_title(page: Any, body_id: str) -> Any:
    return page.locator(f".card:has(#{body_id}) > .card-header .card-title").first


def _expect_menu(page: Any, labels: Labels, expected: dict[str, str], *, with_org: bool) -> None:
    menu = page.locator("#main-menu")
    labels.expect("menu", menu.locator("a[href='/']").text_content(), "Home", expected)
    org_link = menu.locator("a[href='/org/']")
    if with_org:
        labels.expect("menu", org_link.text_content(), "Organisation", expected)
    else:
        assert org_link.count() == 0
    labels.expect("user menu", page.locator("#logout-button").text_content(), "Log out", expected)


# --- journey 1: the admin walks the org pages -------------------------------------------------------------------


def _admin_walk(new_page: Callable[..., Any], world: DemoWorld, labels: Labels, locale: str) -> None:
    labels.context = f"admin {locale}"
    language, expected = LANGUAGES[locale]
    team_login = world.logins["team_manager"]
    rep_login = world.logins["rep"]
    team = _unit(team_login.unit)
    region = team.parent
    page = new_page(locale=locale)

    page.goto("/accounts/login/")
    labels.expect("login page", page.locator("#login-form button[type=submit]").text_content(), "Log in", expected)
    _log_in(page, world, "admin")
    assert page.locator("html").get_attribute("lang") == language
    _expect_menu(page, labels, expected, with_org=True)

    # Home → Organisation: the whole tree.
    page.click("#main-menu a[href='/org/']")
    page.wait_for_selector("#org-tree")
    assert page.url.endswith("/org/")
    labels.expect("tree page title", page.locator(".page-title").text_content(), "Organisation", expected)
    labels.expect("tree page", page.locator("#main a[href='/org/people/']").text_content(), "People", expected)
    labels.expect(
        "tree headcount badge",
        page.locator("#org-tree .badge.bg-blue-lt").first.get_attribute("title"),
        "Members",
        expected,
    )
    assert _tree_unit_ids(page) == _all_unit_ids()

    # → a region: its teams are its sub-units.
    page.click(f"#org-tree a[href^='/org/units/{region.pk}/']")
    page.wait_for_url(f"**/org/units/{region.pk}/**")
    assert region.name in page.locator(".page-title").inner_text()
    labels.expect(
        "unit breadcrumb", page.locator(".page-pretitle a[href='/org/']").text_content(), "Organisation", expected
    )
    sub_units = _texts(page.locator("#main .list-group a[href^='/org/units/']"))
    assert any(team.name in text for text in sub_units), sub_units

    # → a team: its manager and members.
    page.click(f"#main a[href^='/org/units/{team.pk}/']")
    page.wait_for_url(f"**/org/units/{team.pk}/**")
    assert team.name in page.locator(".page-title").inner_text()
    assert any(team_login.name in text for text in _texts(page.locator("#unit-managers a")))
    members = _linked_names(page, "#unit-members a")
    assert members == _members_today(team)
    assert rep_login.name in members
    labels.expect("unit page", _card_title(page, "unit-managers").text_content(), "Managers", expected)
    labels.expect("unit page", _card_title(page, "membership-history").text_content(), "Membership history", expected)
    team_url = page.url

    # → a person: their membership history.
    page.locator("#unit-members a", has_text=rep_login.name).click()
    page.wait_for_url("**/org/people/*/**")
    assert rep_login.name in page.locator(".page-title").inner_text()
    assert team.name in page.locator("#person-unit").inner_text()
    history = _texts(page.locator("#membership-history tbody tr"))
    assert history
    assert any(team.name in row for row in history)
    labels.expect("person page", _card_title(page, "membership-history").text_content(), "Membership history", expected)
    labels.expect("person breadcrumb", page.locator(".page-pretitle a").text_content(), "People", expected)

    # ← back to the team.
    page.go_back()
    page.wait_for_url(team_url)
    assert rep_login.name in page.locator("#unit-members").inner_text()

    if language == "zh-hans":
        # The language switch keeps the page and turns the interface into traditional Chinese.
        page.click(".attain-language-switch button[data-language='zh-hant']")
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("html").get_attribute("lang") == "zh-hant"
        assert page.url == team_url
        labels.expect("menu (zh-Hant)", page.locator("#main-menu a[href='/']").text_content(), "Home", ZH_HANT)
        labels.expect(
            "menu (zh-Hant)", page.locator("#main-menu a[href='/org/']").text_content(), "Organisation", ZH_HANT
        )
    labels.verify()


def test_admin_walks_the_org_pages_in_chinese_and_english(new_page: Callable[..., Any], demo_world: DemoWorld) -> None:
    labels = Labels()
    for locale in ("zh-CN", "en-US"):  # one demo load for both walks: loading is most of the cost on PostgreSQL
        _admin_walk(new_page, demo_world, labels, locale)
    labels.verify()


# --- journey 2: each role sees only what it may -----------------------------------------------------------------


def _company_wide_walk(new_page: Callable[..., Any], world: DemoWorld, labels: Labels, kind: str, locale: str) -> None:
    labels.context = f"{kind} {locale}"
    from attain.org.models import Unit

    language, expected = LANGUAGES[locale]
    page = new_page(locale=locale)
    _log_in(page, world, kind)
    assert page.locator("html").get_attribute("lang") == language
    _expect_menu(page, labels, expected, with_org=True)
    page.click("#main-menu a[href='/org/']")
    page.wait_for_selector("#org-tree")
    assert _tree_unit_ids(page) == _all_unit_ids()
    tree_text = page.locator("#org-tree").inner_text()
    for region in Unit.objects.filter(kind="region"):
        assert region.name in tree_text
    # Any team page opens, with its members.
    team = Unit.objects.filter(kind="team").order_by("-pk").first()
    assert team is not None
    assert page.goto(f"/org/units/{team.pk}/").status == 200
    assert _linked_names(page, "#unit-members a") == _members_today(team)
    labels.verify()


def _manager_walk(new_page: Callable[..., Any], world: DemoWorld, labels: Labels, kind: str, locale: str) -> None:
    labels.context = f"{kind} {locale}"
    from attain.org.models import Person, Unit

    language, expected = LANGUAGES[locale]
    page = new_page(locale=locale)
    login = _log_in(page, world, kind)
    own = _unit(login.unit)
    subtree = _subtree_ids(own)
    assert page.locator("html").get_attribute("lang") == language
    _expect_menu(page, labels, expected, with_org=True)

    page.click("#main-menu a[href='/org/']")
    page.wait_for_selector("#org-tree")
    assert _tree_unit_ids(page) == subtree

    page.click(f"#org-tree a[href^='/org/units/{own.pk}/']")
    page.wait_for_url(f"**/org/units/{own.pk}/**")
    labels.expect("unit page", _card_title(page, "unit-managers").text_content(), "Managers", expected)
    assert login.name in page.locator("#unit-managers").inner_text()

    # Units outside the subtree, and people only there, are not found by URL either.
    outside = Unit.objects.exclude(pk__in=subtree)
    assert outside.exists()
    for unit in (outside.order_by("depth").first(), outside.order_by("-depth", "pk").first()):
        assert unit is not None
        assert page.goto(f"/org/units/{unit.pk}/").status == 404, unit
        assert unit.name not in page.locator("#main").inner_text()
    # Someone who never belonged to the subtree.
    stranger = Person.objects.filter(memberships__isnull=False).exclude(memberships__unit__in=subtree).first()
    assert stranger is not None
    assert page.goto(f"/org/people/{stranger.pk}/").status == 404
    labels.verify()


def test_each_role_sees_only_its_part_of_the_org(new_page: Callable[..., Any], demo_world: DemoWorld) -> None:
    """Company-wide roles see every region; a manager sees only their subtree (each in its own language)."""
    labels = Labels()
    for kind, locale in (("director", "en-US"), ("hr", "zh-CN"), ("finance", "en-US")):
        _company_wide_walk(new_page, demo_world, labels, kind, locale)
    for kind, locale in (("team_manager", "zh-CN"), ("region_manager", "en-US")):
        _manager_walk(new_page, demo_world, labels, kind, locale)
    labels.verify()


def test_a_rep_has_no_organisation_pages(new_page: Callable[..., Any], demo_world: DemoWorld) -> None:
    from attain.org.selectors import unit_members_on

    _language, expected = LANGUAGES["zh-CN"]
    labels = Labels()
    labels.context = "rep zh-CN"
    page = new_page(locale="zh-CN")
    login = _log_in(page, demo_world, "rep")
    _expect_menu(page, labels, expected, with_org=False)
    team = _unit(login.unit)
    for url in ("/org/", f"/org/units/{team.pk}/", "/org/people/"):
        assert page.goto(url).status == 403, url
    # Their own person page is theirs to see; a teammate's is not.
    me = _person(login.username)
    assert page.goto(f"/org/people/{me.pk}/").status == 200
    teammate = unit_members_on(unit=team, on=timezone.localdate()).exclude(pk=me.pk).first()
    assert teammate is not None
    assert page.goto(f"/org/people/{teammate.pk}/").status == 404
    labels.verify()


# --- journey 3: a rep who changed team sees it on their home page -----------------------------------------------


def _moved_rep_home(new_page: Callable[..., Any], world: DemoWorld, labels: Labels, locale: str) -> None:
    labels.context = f"moved_rep {locale}"
    _language, expected = LANGUAGES[locale]
    login = world.logins["moved_rep"]
    old_team, new_team, moved_on = _transfer(login.username)
    page = new_page(locale=locale)
    _log_in(page, world, "moved_rep")
    assert page.locator("#home").get_attribute("data-role") == "rep"
    assert new_team.name in page.locator("#person-card #person-unit").inner_text()
    # Unit, role, from, to: the old team ends the day before the move, the new one is open.
    rows = {row[0]: row for row in _cells(page, "#membership-history tbody tr")}
    assert set(rows) == {old_team.name, new_team.name}
    assert rows[old_team.name][3] == (moved_on - dt.timedelta(days=1)).isoformat()
    assert rows[new_team.name][2] == moved_on.isoformat()
    assert rows[new_team.name][3] == "—"
    labels.expect("home", _card_title(page, "membership-history").text_content(), "Membership history", expected)
    labels.verify()


def test_a_rep_who_changed_team_sees_their_history_on_home(new_page: Callable[..., Any], demo_world: DemoWorld) -> None:
    labels = Labels()
    for locale in ("zh-CN", "en-US"):
        _moved_rep_home(new_page, demo_world, labels, locale)
    labels.verify()


# --- journey 4: the "as of" control shows the org on an earlier date --------------------------------------------


def test_the_as_of_date_shows_members_before_a_transfer(new_page: Callable[..., Any], demo_world: DemoWorld) -> None:
    login = demo_world.logins["moved_rep"]
    old_team, new_team, moved_on = _transfer(login.username)
    day_before = moved_on - dt.timedelta(days=1)
    page = new_page(locale="zh-CN")  # the date is typed into a zh-Hans form, parsed with its input formats
    _log_in(page, demo_world, "admin")

    page.goto(f"/org/units/{old_team.pk}/")
    assert login.name not in page.locator("#unit-members").inner_text()
    page.fill("#as-of-form input[name=as_of]", day_before.isoformat())
    page.click("#as-of-form button[type=submit]")
    page.wait_for_url(f"**as_of={day_before.isoformat()}")
    assert login.name in _linked_names(page, "#unit-members a")
    assert page.locator("#as-of-form input[name=as_of]").input_value() == day_before.isoformat()

    # The new team did not have them yet on that day, and has them from the transfer date on.
    page.goto(f"/org/units/{new_team.pk}/?as_of={day_before.isoformat()}")
    assert login.name not in page.locator("#unit-members").inner_text()
    page.goto(f"/org/units/{new_team.pk}/?as_of={moved_on.isoformat()}")
    assert login.name in page.locator("#unit-members").inner_text()

    # The tree on the earlier date links its units with that date.
    page.goto(f"/org/?as_of={day_before.isoformat()}")
    link = page.locator(f"#org-tree a[href^='/org/units/{old_team.pk}/']")
    assert link.get_attribute("href") == f"/org/units/{old_team.pk}/?as_of={day_before.isoformat()}"
