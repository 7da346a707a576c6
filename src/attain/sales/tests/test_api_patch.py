"""PATCH /api/v1/sales/<kind>/{id}: audited partial corrections, scoped like the GETs, permitted like the creates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from attain.accounts.services import api_token_create
from attain.core.errors import PermissionDeniedError
from attain.core.models import AuditEvent
from attain.org import services as org_services
from attain.org.choices import MembershipRole
from attain.org.tests.factories import PersonFactory
from attain.sales import services
from attain.sales.choices import ActivityKind, ActivityOutcome, FeedbackKind
from attain.sales.models import Activity, Customer, Deal, FeedbackResponse, Product, TrainingResult
from attain.sales.tests.factories import (
    ActivityFactory,
    CustomerFactory,
    DealFactory,
    FeedbackFactory,
    PipelineStageFactory,
    ProductFactory,
    TrainingResultFactory,
)

D = dt.date
pytestmark = pytest.mark.django_db
API = "/api/v1/sales"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def patch(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.patch(f"{API}{path}", body, content_type="application/json", headers=headers)


def corrections(instance: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="sales.correct", object_type=instance._meta.label_lower, object_id=str(instance.pk)
        ).order_by("pk")
    )


def assert_refused(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["field"] == field, response.content


def assert_unchanged(client: Client, path: str, body: dict[str, Any], instance: Any) -> None:
    """Sending the stored values again answers 200 and writes no audit event (nor the row)."""
    stored = type(instance).objects.filter(pk=instance.pk).values().get()
    events = AuditEvent.objects.count()
    response = patch(client, path, {"reason": "re-sent", **body})
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.count() == events
    assert type(instance).objects.filter(pk=instance.pk).values().get() == stored


# --- customers ---------------------------------------------------------------------------------------------


def test_customer_partial_correction_is_audited(world) -> None:
    customer = CustomerFactory(owner=world.rep_a, name="Acme", segment="SMB")
    response = patch(
        client_for(world.finance),
        f"/customers/{customer.pk}",
        {"reason": "legal name", "name": "Acme Ltd", "is_key_account": True},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["is_key_account"]) == ("Acme Ltd", True)
    customer.refresh_from_db()
    assert (customer.name, customer.is_key_account, customer.segment) == ("Acme Ltd", True, "SMB")
    [event] = corrections(customer)
    assert event.before == {"name": "Acme", "is_key_account": False}
    assert event.after == {"name": "Acme Ltd", "is_key_account": True}
    assert (event.reason, event.actor_id) == ("legal name", world.finance.pk)


def test_customer_region_set_and_cleared_like_the_upsert_allows(world) -> None:
    """A manager may correct customers their reps own, as with the upsert; ``null`` clears the region."""
    customer = CustomerFactory(owner=world.rep_a)
    client = client_for(world.manager_north_user)
    response = patch(client, f"/customers/{customer.pk}", {"reason": "moved", "region_id": world.north.pk})
    assert response.status_code == 200, response.content
    assert Customer.objects.get(pk=customer.pk).region_id == world.north.pk
    response = patch(client, f"/customers/{customer.pk}", {"reason": "no region", "region_id": None})
    assert response.status_code == 200, response.content
    assert Customer.objects.get(pk=customer.pk).region_id is None
    assert [(e.before, e.after) for e in corrections(customer)] == [
        ({"region": None}, {"region": world.north.pk}),
        ({"region": world.north.pk}, {"region": None}),
    ]


def test_customer_out_of_scope_is_404(world) -> None:
    customer = CustomerFactory(owner=world.rep_c, name="South Co")
    response = patch(client_for(world.manager_a_user), f"/customers/{customer.pk}", {"reason": "x", "name": "Mine"})
    assert response.status_code == 404
    assert Customer.objects.get(pk=customer.pk).name == "South Co"
    assert corrections(customer) == []


def test_customer_rep_is_forbidden(world) -> None:
    customer = CustomerFactory(owner=world.rep_a, name="Acme")
    response = patch(client_for(world.rep_a_user), f"/customers/{customer.pk}", {"reason": "x", "name": "Mine"})
    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).name == "Acme"


def test_customer_validation_names_the_field(world) -> None:
    customer = CustomerFactory(owner=world.rep_a, name="Acme")
    client = client_for(world.admin)
    assert_refused(patch(client, f"/customers/{customer.pk}", {"reason": "x", "name": "  "}), 400, "name")
    assert_refused(patch(client, f"/customers/{customer.pk}", {"reason": "x", "region_id": 987654}), 400, "region_id")
    # a region the manager cannot see is refused the same way as one that does not exist
    manager = client_for(world.manager_a_user)
    assert_refused(
        patch(manager, f"/customers/{customer.pk}", {"reason": "x", "region_id": world.south.pk}), 400, "region_id"
    )
    assert Customer.objects.get(pk=customer.pk).region_id is None
    assert corrections(customer) == []


def test_customer_unchanged_patch_writes_nothing(world) -> None:
    customer = CustomerFactory(owner=world.rep_a, name="Acme", segment="SMB")
    assert_unchanged(
        client_for(world.admin),
        f"/customers/{customer.pk}",
        {"name": "Acme", "segment": "SMB", "is_key_account": False, "region_id": None},
        customer,
    )


# --- products ----------------------------------------------------------------------------------------------


def test_product_partial_correction_is_audited(world) -> None:
    product = ProductFactory(name="Widget", list_price=Decimal("100.00"), cost=Decimal("60.00"))
    response = patch(
        client_for(world.finance),
        f"/products/{product.pk}",
        {"reason": "price list 2026", "list_price": "120.50", "is_active": False},
    )
    assert response.status_code == 200, response.content
    assert Decimal(response.json()["list_price"]) == Decimal("120.50")
    product.refresh_from_db()
    assert (product.list_price, product.cost, product.is_active, product.name) == (
        Decimal("120.50"),
        Decimal("60.00"),
        False,
        "Widget",
    )
    [event] = corrections(product)
    assert set(event.before) == set(event.after) == {"list_price", "is_active"}
    assert (Decimal(event.before["list_price"]), event.before["is_active"]) == (Decimal("100"), True)
    assert (Decimal(event.after["list_price"]), event.after["is_active"]) == (Decimal("120.50"), False)
    assert event.reason == "price list 2026"


def test_product_missing_is_404(world) -> None:
    """Products are company-wide reference data (every signed-in user sees them), so only a missing id is 404."""
    response = patch(client_for(world.admin), "/products/987654", {"reason": "x", "name": "Ghost"})
    assert response.status_code == 404
    assert not Product.objects.filter(name="Ghost").exists()


@pytest.mark.parametrize("role", ["manager_a_user", "rep_a_user", "hr"])
def test_product_needs_a_reference_role(world, role: str) -> None:
    product = ProductFactory(name="Widget")
    response = patch(client_for(getattr(world, role)), f"/products/{product.pk}", {"reason": "x", "name": "Mine"})
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).name == "Widget"


def test_product_validation_names_the_field(world) -> None:
    product = ProductFactory(list_price=Decimal("100.00"))
    client = client_for(world.director)
    assert_refused(patch(client, f"/products/{product.pk}", {"reason": "x", "list_price": "-1"}), 400, "list_price")
    assert_refused(patch(client, f"/products/{product.pk}", {"reason": "x", "cost": "1.00001"}), 400, "cost")
    assert_refused(
        patch(client, f"/products/{product.pk}", {"reason": "x", "product_line_id": 987654}), 400, "product_line_id"
    )
    assert Product.objects.get(pk=product.pk).list_price == Decimal("100.00")
    assert corrections(product) == []


def test_product_unchanged_patch_writes_nothing(world) -> None:
    product = ProductFactory(name="Widget", list_price=Decimal("100.00"), cost=Decimal("60.00"))
    body = {"name": "Widget", "list_price": "100", "cost": "60.0000", "is_active": True, "product_line_id": None}
    assert_unchanged(client_for(world.admin), f"/products/{product.pk}", body, product)


# --- deals -------------------------------------------------------------------------------------------------


def test_deal_partial_correction_is_audited_and_keeps_the_stage(world) -> None:
    stage = PipelineStageFactory()
    customer = CustomerFactory(owner=world.rep_a)
    deal = DealFactory(person=world.rep_a, stage=stage, amount=Decimal("5000.00"), name="Big one")
    response = patch(
        client_for(world.manager_a_user),
        f"/deals/{deal.pk}",
        {"reason": "customer confirmed scope", "amount": "7500.00", "customer_id": customer.pk},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["amount"], data["customer_id"], data["stage_id"], data["name"]) == (
        "7500.00",
        customer.pk,
        stage.pk,
        "Big one",
    )
    [event] = corrections(deal)
    assert event.before == {"amount": "5000.00", "customer": None}
    assert event.after == {"amount": "7500.00", "customer": customer.pk}
    assert (event.reason, event.actor_id) == ("customer confirmed scope", world.manager_a_user.pk)
    assert Deal.objects.get(pk=deal.pk).stage_id == stage.pk


def test_deal_stage_is_not_a_patch_field(world) -> None:
    deal = DealFactory(person=world.rep_a)
    other = PipelineStageFactory()
    response = patch(client_for(world.admin), f"/deals/{deal.pk}", {"reason": "x", "stage_id": other.pk})
    assert response.status_code == 422
    assert "stage_id" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage_id == deal.stage_id


def test_deal_out_of_scope_is_404(world) -> None:
    deal = DealFactory(person=world.rep_c, amount=Decimal("5000.00"))
    response = patch(client_for(world.manager_a_user), f"/deals/{deal.pk}", {"reason": "x", "amount": "1.00"})
    assert response.status_code == 404
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("5000.00")


def test_deal_rep_is_forbidden(world) -> None:
    """Reps see their own deals but do not write them (as with the upsert)."""
    deal = DealFactory(person=world.rep_a, amount=Decimal("5000.00"))
    client = client_for(world.rep_a_user)
    assert client.get(f"{API}/deals/{deal.pk}").status_code == 200
    response = patch(client, f"/deals/{deal.pk}", {"reason": "x", "amount": "1.00"})
    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("5000.00")


def test_deal_validation_names_the_field(world) -> None:
    deal = DealFactory(person=world.rep_a, amount=Decimal("5000.00"))
    hidden = CustomerFactory(owner=world.rep_c)
    client = client_for(world.manager_a_user)
    assert_refused(patch(client, f"/deals/{deal.pk}", {"reason": "x", "amount": "-5"}), 400, "amount")
    assert_refused(patch(client, f"/deals/{deal.pk}", {"reason": "x", "amount": "1.005"}), 400, "amount")
    assert_refused(patch(client, f"/deals/{deal.pk}", {"reason": "x", "amount": "1e15"}), 400, "amount")
    assert_refused(patch(client, f"/deals/{deal.pk}", {"reason": "x", "customer_id": hidden.pk}), 400, "customer_id")
    response = patch(client, f"/deals/{deal.pk}", {"reason": "x", "amount": None})
    assert response.status_code == 422
    assert "amount" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("5000.00")
    assert corrections(deal) == []


def test_deal_unchanged_patch_writes_nothing(world) -> None:
    deal = DealFactory(person=world.rep_a, amount=Decimal("5000.00"), expected_close_on=D(2026, 6, 30), name="D")
    body = {"name": "D", "amount": "5000", "expected_close_on": "2026-06-30", "customer_id": None}
    assert_unchanged(client_for(world.admin), f"/deals/{deal.pk}", body, deal)


# --- activities --------------------------------------------------------------------------------------------


def test_activity_rep_corrects_their_own_with_a_token(world) -> None:
    activity = ActivityFactory(person=world.rep_a, duration_minutes=30, note="visit")
    _token, secret = api_token_create(user=world.rep_a_user, name="phone")
    response = patch(
        Client(),
        f"/activities/{activity.pk}",
        {"reason": "wrong duration", "duration_minutes": 45, "outcome": ActivityOutcome.values[0]},
        Authorization=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    activity.refresh_from_db()
    assert (activity.duration_minutes, activity.outcome, activity.note) == (45, ActivityOutcome.values[0], "visit")
    [event] = corrections(activity)
    assert event.before == {"duration_minutes": 30, "outcome": ""}
    assert event.after == {"duration_minutes": 45, "outcome": ActivityOutcome.values[0]}
    assert (event.reason, event.actor_id) == ("wrong duration", world.rep_a_user.pk)


def test_activity_new_date_moves_it_to_the_reps_unit_then(world) -> None:
    """A rep was in team_b until February: a March visit corrected to January belongs to team_b."""
    mover = PersonFactory()
    org_services.membership_add(
        actor=None,
        person=mover,
        unit=world.team_b,
        role=MembershipRole.MEMBER,
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 2, 28),
    )
    org_services.membership_add(
        actor=None, person=mover, unit=world.team_a, role=MembershipRole.MEMBER, valid_from=D(2026, 3, 1)
    )
    activity = ActivityFactory(person=mover, occurred_on=D(2026, 3, 2))
    assert activity.unit_id == world.team_a.pk
    response = patch(
        client_for(world.manager_north_user),
        f"/activities/{activity.pk}",
        {"reason": "typo", "occurred_on": "2026-01-20"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["occurred_on"], response.json()["unit_id"]) == ("2026-01-20", world.team_b.pk)
    [event] = corrections(activity)
    assert event.before == {"occurred_on": "2026-03-02", "unit": world.team_a.pk}
    assert event.after == {"occurred_on": "2026-01-20", "unit": world.team_b.pk}


def test_activity_out_of_scope_is_404(world) -> None:
    activity = ActivityFactory(person=world.rep_b, note="theirs")
    response = patch(client_for(world.rep_a_user), f"/activities/{activity.pk}", {"reason": "x", "note": "mine"})
    assert response.status_code == 404
    assert Activity.objects.get(pk=activity.pk).note == "theirs"


def test_activity_date_moving_it_out_of_scope_is_forbidden(world) -> None:
    """A manager sees a December visit of their old team; moving it into another team's months is refused."""
    leaver = PersonFactory()
    org_services.membership_add(
        actor=None,
        person=leaver,
        unit=world.team_a,
        role=MembershipRole.MEMBER,
        valid_from=D(2025, 6, 1),
        valid_to=D(2025, 12, 31),
    )
    org_services.membership_add(
        actor=None, person=leaver, unit=world.team_c, role=MembershipRole.MEMBER, valid_from=D(2026, 1, 1)
    )
    activity = ActivityFactory(person=leaver, occurred_on=D(2025, 12, 15))
    client = client_for(world.manager_a_user)
    response = patch(client, f"/activities/{activity.pk}", {"reason": "x", "occurred_on": "2026-03-02"})
    assert response.status_code == 403, response.content
    assert Activity.objects.get(pk=activity.pk).occurred_on == D(2025, 12, 15)
    assert patch(client, f"/activities/{activity.pk}", {"reason": "typo", "note": "ok"}).status_code == 200


def test_activity_validation_names_the_field(world) -> None:
    activity = ActivityFactory(person=world.rep_a)
    hidden = CustomerFactory(owner=world.rep_c)
    client = client_for(world.rep_a_user)
    path = f"/activities/{activity.pk}"
    assert_refused(patch(client, path, {"reason": "x", "duration_minutes": -5}), 400, "duration_minutes")
    assert_refused(patch(client, path, {"reason": "x", "outcome": "maybe"}), 400, "outcome")
    assert_refused(patch(client, path, {"reason": "x", "occurred_on": "2099-01-01"}), 400, "occurred_on")
    assert_refused(patch(client, path, {"reason": "x", "customer_id": hidden.pk}), 400, "customer_id")
    assert patch(client, path, {"reason": "x", "kind": "telepathy"}).status_code == 422
    assert corrections(activity) == []


def test_activity_unchanged_patch_writes_nothing(world) -> None:
    activity = ActivityFactory(person=world.rep_a, kind=ActivityKind.VISIT, duration_minutes=30, note="n")
    body = {
        "kind": ActivityKind.VISIT,
        "duration_minutes": 30,
        "note": "n",
        "occurred_on": activity.occurred_on.isoformat(),
        "customer_id": activity.customer_id,
    }
    assert_unchanged(client_for(world.rep_a_user), f"/activities/{activity.pk}", body, activity)


# --- feedback ----------------------------------------------------------------------------------------------


def test_feedback_comment_correction_is_audited(world) -> None:
    response_row = FeedbackFactory(person=world.rep_a, kind=FeedbackKind.NPS, score=9, comment="gud")
    response = patch(
        client_for(world.manager_a_user),
        f"/feedback-responses/{response_row.pk}",
        {"reason": "typo", "comment": "good"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["comment"], response.json()["score"]) == ("good", 9)
    [event] = corrections(response_row)
    assert (event.before, event.after, event.reason) == ({"comment": "gud"}, {"comment": "good"}, "typo")


def test_feedback_score_is_not_editable(world) -> None:
    row = FeedbackFactory(person=world.rep_a, kind=FeedbackKind.CSAT, score=4)
    client = client_for(world.admin)
    for body in ({"reason": "x", "score": 5}, {"reason": "x", "score": 9}, {"reason": "x", "kind": "nps"}):
        response = patch(client, f"/feedback-responses/{row.pk}", body)
        assert response.status_code == 422, body
        assert next(iter(set(body) - {"reason"})) in response.content.decode()
    stored = FeedbackResponse.objects.get(pk=row.pk)
    assert (stored.kind, stored.score) == (FeedbackKind.CSAT, 4)
    assert corrections(row) == []


def test_feedback_out_of_scope_is_404(world) -> None:
    row = FeedbackFactory(person=world.rep_c, comment="theirs")
    response = patch(client_for(world.manager_a_user), f"/feedback-responses/{row.pk}", {"reason": "x", "comment": "y"})
    assert response.status_code == 404
    assert FeedbackResponse.objects.get(pk=row.pk).comment == "theirs"


def test_feedback_forbidden_outside_the_actors_writes(world) -> None:
    """Signed-in users correct the feedback they see (reps: about themselves); the service still guards itself,
    and anonymous callers are turned away."""
    row = FeedbackFactory(person=world.rep_b, comment="theirs")
    with pytest.raises(PermissionDeniedError):
        services.feedback_update(actor=world.rep_a_user, response=row, reason="x", comment="mine")
    assert (
        Client()
        .patch(f"{API}/feedback-responses/{row.pk}", {"reason": "x", "comment": "y"}, content_type="application/json")
        .status_code
        == 401
    )
    assert FeedbackResponse.objects.get(pk=row.pk).comment == "theirs"


def test_feedback_validation_names_the_field(world) -> None:
    row = FeedbackFactory(person=world.rep_a)
    client = client_for(world.rep_a_user)
    path = f"/feedback-responses/{row.pk}"
    assert_refused(patch(client, path, {"reason": "x", "comment": "x" * 5001}), 400, "comment")
    assert_refused(patch(client, path, {"reason": "   ", "comment": "fine"}), 400, "reason")
    response = patch(client, path, {"comment": "fine"})
    assert response.status_code == 422
    assert "reason" in response.content.decode()
    assert corrections(row) == []


def test_feedback_unchanged_patch_writes_nothing(world) -> None:
    row = FeedbackFactory(person=world.rep_a, comment="same")
    assert_unchanged(client_for(world.rep_a_user), f"/feedback-responses/{row.pk}", {"comment": "same"}, row)


# --- training results --------------------------------------------------------------------------------------


def test_training_partial_correction_is_audited(world) -> None:
    result = TrainingResultFactory(person=world.rep_a, score=Decimal("55.00"), is_passed=False)
    response = patch(
        client_for(world.manager_a_user),
        f"/training-results/{result.pk}",
        {"reason": "re-marked", "score": "75.50", "is_passed": True},
    )
    assert response.status_code == 200, response.content
    result.refresh_from_db()
    assert (result.score, result.is_passed, result.completed_on) == (Decimal("75.50"), True, D(2026, 2, 20))
    [event] = corrections(result)
    assert event.before == {"score": "55.00", "is_passed": False}
    assert event.after == {"score": "75.50", "is_passed": True}
    response = patch(client_for(world.admin), f"/training-results/{result.pk}", {"reason": "no mark", "score": None})
    assert response.status_code == 200
    assert TrainingResult.objects.get(pk=result.pk).score is None


def test_training_out_of_scope_is_404(world) -> None:
    result = TrainingResultFactory(person=world.rep_c, is_passed=False)
    response = patch(
        client_for(world.manager_a_user), f"/training-results/{result.pk}", {"reason": "x", "is_passed": True}
    )
    assert response.status_code == 404
    assert TrainingResult.objects.get(pk=result.pk).is_passed is False


def test_training_rep_is_forbidden(world) -> None:
    result = TrainingResultFactory(person=world.rep_a, is_passed=False)
    client = client_for(world.rep_a_user)
    assert client.get(f"{API}/training-results/{result.pk}").status_code == 200
    response = patch(client, f"/training-results/{result.pk}", {"reason": "x", "is_passed": True})
    assert response.status_code == 403
    assert TrainingResult.objects.get(pk=result.pk).is_passed is False


def test_training_validation_names_the_field(world) -> None:
    result = TrainingResultFactory(person=world.rep_a, score=Decimal("55.00"))
    client = client_for(world.admin)
    path = f"/training-results/{result.pk}"
    assert_refused(patch(client, path, {"reason": "x", "score": "-1"}), 400, "score")
    assert_refused(patch(client, path, {"reason": "x", "score": "100000"}), 400, "score")  # beyond the column
    assert_refused(patch(client, path, {"reason": "", "is_passed": False}), 400, "reason")
    assert TrainingResult.objects.get(pk=result.pk).score == Decimal("55.00")
    assert corrections(result) == []


def test_training_unchanged_patch_writes_nothing(world) -> None:
    result = TrainingResultFactory(person=world.rep_a, score=Decimal("86.50"), is_passed=True)
    body = {"score": "86.5", "is_passed": True, "completed_on": result.completed_on.isoformat()}
    assert_unchanged(client_for(world.admin), f"/training-results/{result.pk}", body, result)


def test_creating_a_product_with_an_unknown_product_line_is_refused_naming_the_field(world) -> None:
    client = client_for(world.admin)
    body = {"code": "NEW-1", "name": "New", "product_line_id": 987654}
    response = client.post(f"{API}/products", body, content_type="application/json")
    assert_refused(response, 400, "product_line_id")
    assert not Product.objects.filter(code="NEW-1").exists()


# --- orders (non-financial fields) -------------------------------------------------------------------------


def test_order_correction_needs_a_reason_and_is_audited(world) -> None:
    from attain.sales.tests.factories import OrderFactory

    order = OrderFactory(person=world.rep_a, booked_on=dt.date(2026, 3, 1))
    client = client_for(world.admin)
    missing = patch(client, f"/orders/{order.pk}", {"note": "called"})
    assert missing.status_code == 422, missing.content
    assert_refused(patch(client, f"/orders/{order.pk}", {"reason": "  ", "note": "called"}), 400, "reason")
    response = patch(client, f"/orders/{order.pk}", {"reason": "customer asked", "payment_terms_days": 60})
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.payment_terms_days == 60
    assert order.due_on == dt.date(2026, 4, 30)
    event = AuditEvent.objects.filter(object_type="sales.order", object_id=str(order.pk)).order_by("pk").last()
    assert event is not None
    assert event.reason == "customer asked"
    assert event.after["payment_terms_days"] == 60
