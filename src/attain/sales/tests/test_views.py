from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attain.sales.forms import ActivityForm
from attain.sales.models import Activity, Collection
from attain.sales.tests.factories import (
    ActivityFactory,
    CollectionFactory,
    CustomerFactory,
    DealFactory,
    OrderFactory,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["order_list", "collection_list", "deal_list", "customer_list", "activity_list"])
def test_lists_render_with_query_budget(world, name, django_assert_max_num_queries) -> None:
    for n in range(3):
        order = OrderFactory(person=world.rep_a, external_id=f"SO{n}", customer=CustomerFactory(owner=world.rep_a))
        CollectionFactory(order=order)
        DealFactory(person=world.rep_a)
        ActivityFactory(person=world.rep_a)
    client = _client(world.admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(f"sales:{name}"))
    assert response.status_code == 200
    assert client.get(reverse(f"sales:{name}"), headers={"HX-Request": "true"}).status_code == 200


def test_order_detail_shows_open_amount_and_is_scoped(world) -> None:
    order = OrderFactory(person=world.rep_a, amount="500")
    CollectionFactory(order=order, amount="200")
    response = _client(world.rep_a_user).get(reverse("sales:order_detail", args=[order.pk]))
    assert response.status_code == 200
    assert b"300.00" in response.content
    other = OrderFactory(person=world.rep_c)
    assert _client(world.rep_a_user).get(reverse("sales:order_detail", args=[other.pk])).status_code == 404


def test_activity_form_needs_at_most_five_fields(world) -> None:
    required = [name for name, field in ActivityForm().fields.items() if field.required]
    assert len(required) <= 5
    customer = CustomerFactory(owner=world.rep_a)
    response = _client(world.rep_a_user).post(
        reverse("sales:activity_create"), {"kind": "visit", "customer": customer.pk}
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.person_id == world.rep_a.pk
    assert activity.occurred_on == timezone.localdate()


def test_activity_form_invalid_is_400(world) -> None:
    assert _client(world.rep_a_user).post(reverse("sales:activity_create"), {}).status_code == 400
    assert not Activity.objects.exists()


def test_collection_form(world) -> None:
    order = OrderFactory(person=world.rep_a, amount="100", external_id="SO-77")
    client = _client(world.rep_a_user)
    assert client.get(reverse("sales:collection_create")).status_code == 200
    response = client.post(
        reverse("sales:collection_create"), {"order_no": "SO-77", "amount": "150", "received_on": "2026-03-10"}
    )
    assert response.status_code == 400
    assert not Collection.objects.exists()
    response = client.post(
        reverse("sales:collection_create"), {"order_no": "SO-77", "amount": "40", "received_on": "2026-03-10"}
    )
    assert response.status_code == 302
    assert Collection.objects.get().order == order


def test_customer_detail(world) -> None:
    customer = CustomerFactory(owner=world.rep_a)
    OrderFactory(person=world.rep_a, customer=customer)
    response = _client(world.rep_a_user).get(reverse("sales:customer_detail", args=[customer.pk]))
    assert response.status_code == 200
    assert customer.name.encode() in response.content
