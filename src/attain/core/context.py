"""Context that travels with the current unit of work (a request, a CLI command, a job) without threading it
through every call: the request id the audit log records."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("attain_request_id", default="")
