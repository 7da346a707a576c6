"""The application error hierarchy: every service failure has a code, a message and the offending field.

One place maps them to HTTP (``attain.api``) and one to form errors (``attach_to_form``); nothing else
needs to know how an error is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django import forms


@dataclass(frozen=True)
class ErrorDetail:
    """One problem in the input: where (row, column, field), what value, and what is wrong."""

    message: str
    field: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    code: str = "invalid"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        for key in ("field", "row", "column", "value"):
            item = getattr(self, key)
            if item is not None:
                data[key] = item if isinstance(item, int | float | bool) else str(item)
        return data


class ApplicationError(Exception):
    """Base of every error a service raises on purpose; ``status`` is the HTTP status it maps to."""

    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: list[ErrorDetail] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.details: list[ErrorDetail] = list(details or [])
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.details:
            data["errors"] = [d.as_dict() for d in self.details]
        return data


class ValidationError(ApplicationError):
    """The input is malformed or breaks a business rule."""

    code = "invalid"
    status = 400


class NotFoundError(ApplicationError):
    """The object does not exist, or the actor may not see it (never tell the two apart)."""

    code = "not_found"
    status = 404


class PermissionDeniedError(ApplicationError):
    """The actor may see the object but not do this to it."""

    code = "permission_denied"
    status = 403


class ConflictError(ApplicationError):
    """The change clashes with stored data (overlap, duplicate, locked period)."""

    code = "conflict"
    status = 409


class ImportFileError(ValidationError):
    """A file could not be imported; ``details`` lists every row/column problem found."""

    code = "import_invalid"


@dataclass
class ErrorCollector:
    """Collects row-level problems so an import can report all of them at once, then raise."""

    details: list[ErrorDetail] = field(default_factory=list)

    def add(self, message: str, **where: Any) -> None:
        self.details.append(ErrorDetail(message=str(message), **where))

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self, message: str, *, error_class: type[ApplicationError] = ImportFileError) -> None:
        if self.details:
            raise error_class(message, details=self.details)


def attach_to_form(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service error on a Django form: on its field when the form has it, else as a form error."""
    targets = [(d.field, d.message) for d in error.details] or [(error.field, error.message)]
    for field_name, message in targets:
        form.add_error(field_name if field_name in form.fields else None, message)
