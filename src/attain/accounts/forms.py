"""Web forms of the accounts domain: login (with the lockout message), profile preferences, API tokens."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from attain.accounts import selectors as accounts_selectors
from attain.accounts.models import User


def _seconds(value: Any) -> int | None:
    """Normalise what the lockout machinery reports (seconds, a timedelta, True or nothing) to seconds."""
    if value is None or value is False:
        return None
    if value is True:
        return int(settings.ATTAIN_LOGIN_LOCKOUT_SECONDS)
    if isinstance(value, timedelta):
        value = value.total_seconds()
    seconds = math.ceil(float(value))
    return seconds if seconds > 0 else None


def client_address(request: Any) -> str | None:
    """The client address the lockout is counted against (REMOTE_ADDR, as the backend records it)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class TablerFormMixin:
    """Give every widget Tabler's class (form-control / form-select / form-check-input) and mark errors."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in getattr(self, "errors", {}):
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"


class LoginForm(TablerFormMixin, AuthenticationForm):
    """Django's login form; when the backend has locked the username or address, says so and for how long."""

    def lockout_seconds(self) -> int | None:
        """Seconds until the lockout ends, or None when this login is not locked out."""
        request = self.request
        for attribute in ("attain_lockout_seconds", "attain_lockout"):
            seconds = _seconds(getattr(request, attribute, None))
            if seconds:
                return seconds
        # The backend may also have refused by raising PermissionDenied, which Django turns into "no user":
        # ask the lockout counter directly.
        username = self.cleaned_data.get("username") or ""
        if not username:
            return None
        return _seconds(accounts_selectors.login_lockout_remaining(username=username, ip=client_address(request)))

    def get_invalid_login_error(self) -> ValidationError:
        seconds = self.lockout_seconds()
        if seconds is None:
            return super().get_invalid_login_error()
        minutes = max(1, math.ceil(seconds / 60))
        message = ngettext(
            "Too many failed attempts; try again in %(minutes)d minute.",
            "Too many failed attempts; try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        return ValidationError(message, code="locked_out")


class PasswordChangeForm(TablerFormMixin, auth_forms.PasswordChangeForm):
    """Django's password change form with Tabler styling."""


class PreferencesForm(TablerFormMixin, forms.ModelForm):
    """The user's own interface language (empty = follow the browser)."""

    class Meta:
        model = User
        fields = ["preferred_language"]
        help_texts = {"preferred_language": _("Pages are shown in this language after you log in.")}


class ApiTokenCreateForm(TablerFormMixin, forms.Form):
    """Name and optional expiry of a new API token."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_('What the token is for, e.g. "BI export".'))
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Leave empty for a token that does not expire."),
    )

    def clean_expires_on(self) -> date | None:
        expires_on: date | None = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on <= timezone.localdate():
            raise ValidationError(_("Choose a date after today."), code="past")
        return expires_on

    def expires_at(self) -> datetime | None:
        """The end of the chosen day in the current time zone (the token works through that whole day)."""
        expires_on: date | None = self.cleaned_data.get("expires_on")
        if expires_on is None:
            return None
        return timezone.make_aware(datetime.combine(expires_on + timedelta(days=1), time.min))
