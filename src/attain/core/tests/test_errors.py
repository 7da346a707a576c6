"""Application errors reach the API as JSON with their status, and forms as field or form errors."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import path
from ninja import NinjaAPI, Router

from attain.api import application_error
from attain.core.errors import (
    ApplicationError,
    ConflictError,
    ErrorCollector,
    ErrorDetail,
    ImportFileError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    attach_to_form,
)

# A test-only API wired with the project's own ApplicationError handler, unauthenticated for brevity.
router = Router()


@router.get("/invalid")
def raise_invalid(request):
    raise ValidationError("Amount must be positive.", field="amount")


@router.get("/missing")
def raise_missing(request):
    raise NotFoundError("No such target.")


@router.get("/denied")
def raise_denied(request):
    raise PermissionDeniedError("Not yours.")


@router.get("/conflict")
def raise_conflict(request):
    raise ConflictError("Period is locked.", code="period_locked")


@router.get("/import")
def raise_import(request):
    collector = ErrorCollector()
    collector.add("Unknown rep.", row=3, column="B", value="张三", field="rep")
    collector.add("Not a number.", row=4, column="C", value="abc")
    collector.raise_if_any("The file has errors.")
    return {"ok": True}


test_api = NinjaAPI(urls_namespace="core-error-test", docs_url=None)
test_api.add_exception_handler(ApplicationError, application_error)
test_api.add_router("/", router)
urlpatterns = [path("api/", test_api.urls)]


@pytest.mark.urls("attain.core.tests.test_errors")
@pytest.mark.parametrize(
    ("url", "status", "body"),
    [
        ("/api/invalid", 400, {"code": "invalid", "message": "Amount must be positive.", "field": "amount"}),
        ("/api/missing", 404, {"code": "not_found", "message": "No such target."}),
        ("/api/denied", 403, {"code": "permission_denied", "message": "Not yours."}),
        ("/api/conflict", 409, {"code": "period_locked", "message": "Period is locked."}),
    ],
)
def test_api_maps_errors_to_status_and_json(client, url, status, body):
    response = client.get(url)
    assert response.status_code == status
    assert response.json() == body


@pytest.mark.urls("attain.core.tests.test_errors")
def test_api_lists_every_row_problem_of_an_import(client):
    response = client.get("/api/import")
    assert response.status_code == 400
    assert response.json() == {
        "code": "import_invalid",
        "message": "The file has errors.",
        "errors": [
            {"code": "invalid", "message": "Unknown rep.", "field": "rep", "row": 3, "column": "B", "value": "张三"},
            {"code": "invalid", "message": "Not a number.", "row": 4, "column": "C", "value": "abc"},
        ],
    }


def test_error_classes_and_collector():
    assert issubclass(ImportFileError, ValidationError)
    assert ValidationError("x").status == 400
    assert ApplicationError("x", code="custom").code == "custom"
    collector = ErrorCollector()
    assert not collector
    collector.raise_if_any("nothing to raise")
    collector.add("bad")
    with pytest.raises(ConflictError):
        collector.raise_if_any("now", error_class=ConflictError)


class TargetForm(forms.Form):
    amount = forms.DecimalField()
    note = forms.CharField(required=False)


def test_attach_to_form_puts_error_on_its_field():
    form = TargetForm({"amount": "5"})
    assert form.is_valid()
    attach_to_form(form, ValidationError("Amount must be positive.", field="amount"))
    assert form.errors == {"amount": ["Amount must be positive."]}


def test_attach_to_form_falls_back_to_a_form_error():
    form = TargetForm({"amount": "5"})
    form.is_valid()
    attach_to_form(form, ConflictError("Period is locked.", field="period"))
    assert form.non_field_errors() == ["Period is locked."]


def test_attach_to_form_shows_every_detail():
    form = TargetForm({"amount": "5"})
    form.is_valid()
    error = ValidationError(
        "Two problems.",
        details=[ErrorDetail("Too large.", field="amount"), ErrorDetail("Row 2 is bad.", row=2)],
    )
    attach_to_form(form, error)
    assert form.errors["amount"] == ["Too large."]
    assert form.non_field_errors() == ["Row 2 is bad."]
