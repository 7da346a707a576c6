"""API authentication: per-user bearer tokens (stored hashed) and the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from attain.accounts import services


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; a revoked, expired or unknown token is refused (401)."""

    openapi_description = "Per-user API token (Attain → profile → API tokens)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.api_token_authenticate(secret=token)
        if user is None:
            return None
        request.user = user
        return user


class SessionCookieAuth(SessionAuth):
    """The logged-in browser session; unsafe methods also need the CSRF token, as for any form.

    Without a session cookie there is nobody to authenticate, so the answer is 401 rather than a CSRF 403.
    """

    csrf = True

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


api_auth = [ApiTokenAuth(), SessionCookieAuth()]
