from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.test import Client

from attain.sales.models import Collection, Order, WebhookDelivery, WebhookEndpoint
from attain.sales.tests.factories import CustomerFactory, OrderFactory
from attain.sales.webhooks import webhook_sign

D = dt.date
pytestmark = pytest.mark.django_db
API = "/api/v1/sales"


@pytest.fixture
def admin_client(world) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def test_order_create_get_and_list(world, admin_client, django_assert_max_num_queries) -> None:
    customer = CustomerFactory(owner=world.rep_a)
    body = {
        "external_id": "SO-1",
        "booked_on": "2026-03-01",
        "customer_id": customer.pk,
        "person_id": world.rep_a.pk,
        "amount": "1234.50",
    }
    response = admin_client.post(f"{API}/orders", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount"] == "1234.50"
    assert data["unit_id"] == world.team_a.pk
    detail = admin_client.get(f"{API}/orders/{data['id']}").json()
    assert detail["open_amount"] == "1234.50"
    for n in range(5):
        OrderFactory(person=world.rep_b, external_id=f"X{n}")
    with django_assert_max_num_queries(8):
        listed = admin_client.get(f"{API}/orders", {"person": world.rep_a.pk}).json()
    assert [o["external_id"] for o in listed["items"]] == ["SO-1"]


def test_bad_input_is_a_400_naming_the_field(world, admin_client) -> None:
    customer = CustomerFactory()
    body = {
        "external_id": "SO-1",
        "booked_on": "2026-03-01",
        "customer_id": customer.pk,
        "person_id": world.rep_a.pk,
        "amount": "1.005",
    }
    response = admin_client.post(f"{API}/orders", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "amount"


def test_collection_over_open_amount(world, admin_client) -> None:
    order = OrderFactory(person=world.rep_a, amount="100")
    body = {"order_id": order.pk, "amount": "100.01", "received_on": "2026-03-10"}
    response = admin_client.post(f"{API}/collections", body, content_type="application/json")
    assert response.status_code == 400
    assert not Collection.objects.exists()


def test_rep_cannot_see_other_orders(world) -> None:
    other = OrderFactory(person=world.rep_c)
    client = Client()
    client.force_login(world.rep_a_user)
    assert client.get(f"{API}/orders/{other.pk}").status_code == 404
    assert client.get(f"{API}/orders").json()["count"] == 0


def test_bulk_endpoint(world, admin_client) -> None:
    CustomerFactory(external_id="C1")
    rows = [
        {"external_id": "SO-1", "booked_on": "2026-03-01", "customer": "C1", "person": "E001", "amount": "10"},
        {"external_id": "SO-2", "booked_on": "bad", "customer": "C1", "person": "E001", "amount": "10"},
    ]
    response = admin_client.post(f"{API}/orders/bulk", {"rows": rows}, content_type="application/json")
    data = response.json()
    assert response.status_code == 200
    assert (data["created"], [r["status"] for r in data["rows"]]) == (1, ["created", "error"])
    assert data["errors"][0]["row"] == 2
    assert data["errors"][0]["field"] == "booked_on"


SECRET = "s3cret"


def _push(client: Client, body: bytes, *, secret: str = SECRET, ts: int | None = None, delivery: str = "d1"):
    timestamp = str(int(time.time()) if ts is None else ts)
    return client.post(
        f"{API}/webhooks/crm",
        body,
        content_type="application/json",
        headers={
            "X-Attain-Signature": webhook_sign(secret=secret, timestamp=timestamp, body=body),
            "X-Attain-Timestamp": timestamp,
            "X-Attain-Delivery": delivery,
        },
    )


def test_webhook_signature_timestamp_and_replay(world) -> None:
    WebhookEndpoint.objects.create(source="crm", secret="s3cret")
    CustomerFactory(external_id="C1", source="crm")
    body = json.dumps(
        {
            "kind": "order",
            "rows": [
                {"external_id": "SO-9", "booked_on": "2026-03-01", "customer": "C1", "person": "E001", "amount": "10"}
            ],
        }
    ).encode()
    client = Client()
    assert _push(client, body, secret="wrong").status_code == 401
    assert _push(client, body, ts=int(time.time()) - 600).status_code == 401
    assert not Order.objects.exists()
    response = _push(client, body)
    assert response.status_code == 200, response.content
    assert Order.objects.get().source == "crm"
    assert _push(client, body).status_code == 409
    assert WebhookDelivery.objects.count() == 1
    assert client.post(f"{API}/webhooks/crm", body, content_type="application/json").status_code == 401


def test_bulk_and_webhook_corrections_are_audited_with_a_reason(world, admin_client) -> None:
    from attain.core.models import AuditEvent

    CustomerFactory(external_id="C1", name="Acme", segment="")
    CustomerFactory(external_id="C2", name="Bolt", source="crm", segment="")
    rows = [{"external_id": "C1", "name": "Acme Ltd"}]
    body = {"rows": rows, "reason": "CRM nightly sync"}
    assert admin_client.post(f"{API}/customers/bulk", body, content_type="application/json").status_code == 200
    rows = [{"external_id": "C1", "name": "Acme Group"}]
    assert (
        admin_client.post(f"{API}/customers/bulk", {"rows": rows}, content_type="application/json").status_code == 200
    )
    corrections = AuditEvent.objects.filter(action="sales.correct", object_type="sales.customer").order_by("id")
    assert [(e.before, e.after, e.reason) for e in corrections] == [
        ({"name": "Acme"}, {"name": "Acme Ltd"}, "CRM nightly sync"),
        ({"name": "Acme Ltd"}, {"name": "Acme Group"}, "bulk upsert"),
    ]
    WebhookEndpoint.objects.create(source="crm", secret=SECRET)
    push = json.dumps({"kind": "customer", "rows": [{"external_id": "C2", "name": "Bolt Ltd"}]}).encode()
    assert _push(Client(), push, delivery="d-77").status_code == 200
    pushed = AuditEvent.objects.filter(action="sales.correct", object_type="sales.customer").latest("id")
    assert (pushed.after, pushed.reason) == ({"name": "Bolt Ltd"}, "webhook delivery d-77")
    from attain.core import context

    assert context.audit_reason.get() == ""  # nothing leaks past the call
