"""Context that travels with the current unit of work (a request, a CLI command, a job) without threading it
through every call: the request id the audit log records, and the reason it records for changes whose service
call gave none (a CRM sync's bulk upsert, say)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("attain_request_id", default="")
audit_reason: ContextVar[str] = ContextVar("attain_audit_reason", default="")


@contextmanager
def audit_reason_for(reason: str) -> Iterator[None]:
    """Within the block, audit events written without a reason of their own record ``reason``."""
    token = audit_reason.set(reason)
    try:
        yield
    finally:
        audit_reason.reset(token)
