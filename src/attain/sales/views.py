"""Web pages of the sales domain: scoped, filterable lists, order and customer pages, quick entry forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from attain.core.errors import ApplicationError, NotFoundError, attach_to_form
from attain.org.selectors import person_for_user
from attain.sales import selectors, services
from attain.sales.filters import FILTERS
from attain.sales.forms import ActivityForm, CollectionForm

if TYPE_CHECKING:
    from django_filters import FilterSet

    from attain.accounts.models import User

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)  # login_required ran first


@dataclass(frozen=True)
class ListPage:
    kind: str
    title: Any
    rows_template: str
    url_name: str


def _list(
    request: HttpRequest, page_info: ListPage, queryset: QuerySet[Any], extra: dict[str, Any] | None = None
) -> HttpResponse:
    filterset: FilterSet = FILTERS[page_info.kind](data=request.GET or None, queryset=queryset)
    for field in filterset.form.fields.values():
        field.widget.attrs.setdefault("class", "form-control")
    rows = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else queryset.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "info": page_info,
        "filter_form": filterset.form,
        "page": page,
        "rows": list(page.object_list),
        "query": query.urlencode(),
        **(extra or {}),
    }
    if getattr(request, "htmx", False):
        return render(request, "sales/_list_table.html", context)
    return render(request, "sales/list.html", context)


ORDERS = ListPage("order", gettext_lazy("Orders"), "sales/_order_rows.html", "sales:order_list")
COLLECTIONS = ListPage(
    "collection", gettext_lazy("Collections"), "sales/_collection_rows.html", "sales:collection_list"
)
DEALS = ListPage("deal", gettext_lazy("Deals"), "sales/_deal_rows.html", "sales:deal_list")
CUSTOMERS = ListPage("customer", gettext_lazy("Customers"), "sales/_customer_rows.html", "sales:customer_list")
ACTIVITIES = ListPage("activity", gettext_lazy("Activities"), "sales/_activity_rows.html", "sales:activity_list")


@login_required
@require_safe
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders in scope with filters and pagination."""
    return _list(request, ORDERS, selectors.order_list(actor=_actor(request)))


@login_required
@require_safe
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An order: lines, credits, collections, reversals, open amount and ageing."""
    actor = _actor(request)
    try:
        order = selectors.order_get(actor=actor, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    balance = selectors.order_balance(actor=actor, order=order)
    return render(request, "sales/order_detail.html", {"order": order, "balance": balance})


@login_required
@require_safe
def collection_list(request: HttpRequest) -> HttpResponse:
    return _list(request, COLLECTIONS, selectors.collection_list(actor=_actor(request)))


@login_required
@require_safe
def deal_list(request: HttpRequest) -> HttpResponse:
    return _list(request, DEALS, selectors.deal_list(actor=_actor(request)))


@login_required
@require_safe
def customer_list(request: HttpRequest) -> HttpResponse:
    return _list(request, CUSTOMERS, selectors.customer_list(actor=_actor(request)))


@login_required
@require_safe
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer: owners over time, and the visible orders, deals and activities."""
    actor = _actor(request)
    try:
        customer = selectors.customer_get(actor=actor, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    context = {
        "customer": customer,
        "owner": selectors.customer_owner_on(customer=customer, on=timezone.localdate()),
        "ownerships": list(selectors.customer_ownership_history(customer=customer)),
        "orders": list(selectors.order_list(actor=actor).filter(customer=customer)[:50]),
        "deals": list(selectors.deal_list(actor=actor).filter(customer=customer)[:50]),
        "activities": list(selectors.activity_list(actor=actor).filter(customer=customer)[:50]),
    }
    return render(request, "sales/customer_detail.html", context)


@login_required
@require_safe
def activity_list(request: HttpRequest) -> HttpResponse:
    return _list(request, ACTIVITIES, selectors.activity_list(actor=_actor(request)))


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    """Log an activity in one screen: kind and customer; today and the signed-in rep are the defaults."""
    actor = _actor(request)
    customers = list(selectors.customer_list(actor=actor).values_list("pk", "name")[:500])
    form = ActivityForm(request.POST or None, customers=customers)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                customer = selectors.customer_get(actor=actor, pk=data["customer"]) if data["customer"] else None
                services.activity_log(
                    actor=actor,
                    kind=data["kind"],
                    occurred_on=data["occurred_on"] or None,
                    person=person_for_user(user=actor),
                    customer=customer,
                    outcome=data["outcome"] or "",
                    duration_minutes=data["duration_minutes"],
                    note=data["note"],
                )
            except ApplicationError as exc:
                attach_to_form(form, exc)
            else:
                messages.success(request, _("Activity logged."))
                return redirect("sales:activity_list")
        return render(request, "sales/activity_form.html", {"form": form}, status=400)
    return render(request, "sales/activity_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def collection_create(request: HttpRequest) -> HttpResponse:
    """Record money received against an order found by its number."""
    actor = _actor(request)
    form = CollectionForm(request.POST or None, initial={"order_no": request.GET.get("order", "")})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            order = selectors.order_list(actor=actor).filter(external_id=data["order_no"].strip()).first()
            if order is None:
                form.add_error("order_no", _("Order not found."))
            else:
                try:
                    services.collection_record(
                        actor=actor,
                        order=order,
                        amount=data["amount"],
                        received_on=data["received_on"],
                        reference=data["reference"],
                        note=data["note"],
                    )
                except ApplicationError as exc:
                    attach_to_form(form, exc)
                else:
                    messages.success(request, _("Collection recorded."))
                    return redirect("sales:order_detail", pk=order.pk)
        return render(request, "sales/collection_form.html", {"form": form}, status=400)
    return render(request, "sales/collection_form.html", {"form": form})
