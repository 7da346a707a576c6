"""Web pages of the accounts domain: login/logout, password change, profile, API tokens, the role-aware home."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from attain.accounts import selectors as accounts_selectors
from attain.accounts import services as accounts_services
from attain.accounts.choices import Role
from attain.accounts.forms import ApiTokenCreateForm, LoginForm, PasswordChangeForm, PreferencesForm
from attain.accounts.models import User
from attain.core.errors import ApplicationError, attach_to_form
from attain.org import selectors as org_selectors
from attain.org.choices import MembershipRole, UnitKind

# The overview chart shows at most this many bars per chart (largest first); the table lists them all.
OVERVIEW_CHART_LIMIT = 30


def _set_language_cookie(response: HttpResponseBase, language: str) -> None:
    """Make ``language`` the interface language from the next request on (what Django's set_language does)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LoginView(auth_views.LoginView):
    """Log in; a locked-out username or address gets "try again in N minutes" instead of a generic error."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        language = getattr(form.get_user(), "preferred_language", "")
        if language:
            translation.activate(language)
            _set_language_cookie(response, language)
        return response


class LogoutView(auth_views.LogoutView):
    """Log out; POST only (a GET link could be triggered by any page the user visits)."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (the session stays logged in)."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    """Confirmation after a password change."""

    template_name = "accounts/password_change_done.html"


def _current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by login_required
    return user


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Who I am (name, role, data scope) and my interface language, which also switches this session."""
    user = _current_user(request)
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=user)
        if form.is_valid():
            # Only the user's own preference changes; no domain rule applies, so the ModelForm saves it.
            form.save()
            language = form.cleaned_data["preferred_language"] or translation.get_language_from_request(request)
            translation.activate(language)
            messages.success(request, _("Your preferences were saved."))
            response = redirect("accounts:profile")
            _set_language_cookie(response, language)
            return response
    else:
        form = PreferencesForm(instance=user)
    context = {
        "form": form,
        "scope_description": accounts_selectors.user_scope_describe(user=user),
        "person": _person_of(user),
    }
    return render(request, "accounts/profile.html", context)


def _token_page(request: HttpRequest, *, form: ApiTokenCreateForm, secret: str | None = None) -> HttpResponse:
    user = _current_user(request)
    context = {"form": form, "secret": secret, "tokens": accounts_selectors.api_token_list(actor=user)}
    response = render(request, "accounts/tokens.html", context)
    if secret is not None:
        # The secret is in this response only: never cache it, never store it.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """My API tokens; creating one shows its secret on this response only (only the digest is stored)."""
    if request.method == "POST":
        form = ApiTokenCreateForm(request.POST)
        if form.is_valid():
            try:
                token, secret = accounts_services.api_token_create(
                    user=_current_user(request), name=form.cleaned_data["name"], expires_at=form.expires_at()
                )
            except ApplicationError as error:
                attach_to_form(form, error)
            else:
                messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
                return _token_page(request, form=ApiTokenCreateForm(), secret=secret)
        return _token_page(request, form=form)
    return _token_page(request, form=ApiTokenCreateForm())


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of my tokens; someone else's token is a 404, never a hint that it exists."""
    user = _current_user(request)
    token = accounts_selectors.api_token_list(actor=user).filter(pk=pk, user=user).first()
    if token is None:
        raise Http404
    accounts_services.api_token_revoke(actor=user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


# --- The role-aware home page ---------------------------------------------------------------------------------


@dataclass
class TeamCard:
    """A unit the user manages today, with the people in it."""

    unit: Any
    members: list[Any]

    @property
    def headcount(self) -> int:
        return len(self.members)


@dataclass
class HeadcountRow:
    """Headcount of one unit (with everything under it) today."""

    unit: Any
    headcount: int


@dataclass
class HomeData:
    """Everything the home page shows; each role's section reads only its own part."""

    today: dt.date
    role: str
    person: Any = None
    unit: Any = None
    managers: list[Any] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)
    teams: list[TeamCard] = field(default_factory=list)
    regions: list[HeadcountRow] = field(default_factory=list)
    team_rows: list[HeadcountRow] = field(default_factory=list)
    users_by_role: list[tuple[str, int]] = field(default_factory=list)
    total_headcount: int = 0

    @property
    def shows_personal(self) -> bool:
        return self.role in {Role.REP, Role.MANAGER}

    overview_for_manager: bool = False

    @property
    def shows_overview(self) -> bool:
        return self.role in {Role.DIRECTOR, Role.HR, Role.FINANCE, Role.ADMIN} or self.overview_for_manager

    def chart(self, rows: list[HeadcountRow], series_name: str) -> dict[str, Any]:
        top = sorted(rows, key=lambda row: (-row.headcount, row.unit.path))[:OVERVIEW_CHART_LIMIT]
        return {
            "type": "bar",
            "horizontal": len(top) > 8,
            "labels": [row.unit.name for row in top],
            "series": [{"name": series_name, "data": [row.headcount for row in top]}],
        }


def _person_of(user: User) -> Any:
    """The Person record linked to this login, or None (admins and HR often have none)."""
    return org_selectors.person_for_user(user=user)


def _overview(user: User, data: HomeData) -> None:
    # One query: every visible unit with its member count today; subtree totals are summed over the paths.
    units = org_selectors.unit_tree_list(actor=user, on=data.today)
    if not units:
        return

    def headcount(unit: Any) -> int:
        return sum(int(getattr(other, "member_count", 0)) for other in units if other.path.startswith(unit.path))

    regions = [unit for unit in units if unit.kind == UnitKind.REGION]
    if not regions:
        # No regions in this tree: the top level of what the user may see plays their part.
        top_depth = min(unit.depth for unit in units)
        regions = [unit for unit in units if unit.depth == top_depth]
    teams = [unit for unit in units if unit.kind == UnitKind.TEAM]
    data.total_headcount = sum(int(getattr(unit, "member_count", 0)) for unit in units)

    def by_size(rows: list[HeadcountRow]) -> list[HeadcountRow]:
        # Charts and tables list the largest first, in the same order.
        return sorted(rows, key=lambda row: (-row.headcount, row.unit.path))

    data.regions = by_size([HeadcountRow(unit=unit, headcount=headcount(unit)) for unit in regions])
    data.team_rows = by_size([HeadcountRow(unit=unit, headcount=headcount(unit)) for unit in teams])


def home_data(*, user: User, today: dt.date) -> HomeData:
    """Collect what ``user``'s role needs first on the home page, through the scoped selectors only."""
    role = Role.ADMIN if user.is_superuser else user.role
    data = HomeData(today=today, role=role)
    person = _person_of(user)
    if person is not None:
        data.person = person
        data.unit = org_selectors.person_unit_on(person=person, on=today)
        data.managers = list(org_selectors.person_managers_on(person=person, on=today))
        data.history = list(org_selectors.membership_history(actor=user, person=person))
        if role == Role.MANAGER:
            data.teams = [
                TeamCard(
                    unit=unit,
                    members=list(
                        org_selectors.unit_members_on(
                            unit=unit, on=today, role=MembershipRole.MEMBER, include_subtree=True
                        )
                    ),
                )
                for unit in org_selectors.units_managed_by(person=person, on=today)
            ]
    if data.shows_overview:
        _overview(user, data)
    elif role == Role.MANAGER and any(team.unit.kind != UnitKind.TEAM for team in data.teams):
        # A region (or branch) manager also gets the overview of the teams under them.
        _overview(user, data)
        data.overview_for_manager = True
    if role == Role.ADMIN:
        counts = dict(
            accounts_selectors.user_list(actor=user)
            .order_by()
            .values_list("role")
            .annotate(total=Count("pk"))
            .values_list("role", "total")
        )
        data.users_by_role = [(str(label), counts.get(value, 0)) for value, label in Role.choices]
    return data


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The home page: what the user's role needs first (rep: self; manager: teams; others: the org)."""
    data = home_data(user=_current_user(request), today=timezone.localdate())
    context: dict[str, Any] = {"data": data}
    if data.shows_overview:
        context["region_chart"] = data.chart(data.regions, _("Headcount"))
        context["team_chart"] = data.chart(data.team_rows, _("Headcount"))
    return render(request, "accounts/home.html", context)
