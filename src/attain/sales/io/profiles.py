"""Column-mapping profiles: built-in ones for real CRM exports, saved ``MappingProfile`` rows, or a JSON file.

A mapping is ``{field key: header text in the file}``; fields it leaves out are auto-mapped from the
headers. Built-in profiles are documented field by field in ``docs/import-profiles.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from attain.core.errors import NotFoundError, ValidationError
from attain.sales.choices import FactKind
from attain.sales.io.fields import SPECS
from attain.sales.models import MappingProfile

if TYPE_CHECKING:
    from attain.accounts.models import User


@dataclass(frozen=True)
class Profile:
    """A resolved mapping: its name, the source system its external ids belong to, and field → header."""

    name: str
    kind: str
    source: str | None
    mapping: dict[str, str] = field(default_factory=dict)


BUILTIN: tuple[Profile, ...] = (
    Profile(
        "salesforce-opportunities",
        FactKind.DEAL,
        "salesforce",
        {
            "external_id": "Opportunity ID",
            "name": "Opportunity Name",
            "customer": "Account Name",
            "rep": "Opportunity Owner",
            "amount": "Amount",
            "stage": "Stage",
            "opened_on": "Created Date",
            "expected_close_on": "Close Date",
        },
    ),
    Profile(
        "hubspot-deals",
        FactKind.DEAL,
        "hubspot",
        {
            "external_id": "Record ID",
            "name": "Deal Name",
            "customer": "Associated Company",
            "rep": "Deal owner",
            "amount": "Amount",
            "stage": "Deal Stage",
            "opened_on": "Create Date",
            "expected_close_on": "Close Date",
        },
    ),
    Profile(
        "odoo-sale-orders",
        FactKind.ORDER,
        "odoo",
        {
            "external_id": "Order Reference",
            "booked_on": "Order Date",
            "customer": "Customer",
            "rep": "Salesperson",
            "product": "Order Lines/Product",
            "quantity": "Order Lines/Quantity",
            "unit_price": "Order Lines/Unit Price",
            "amount": "Order Lines/Subtotal",
            "status": "Status",
        },
    ),
    Profile(
        "fxiaoke-opportunities",
        FactKind.DEAL,
        "fxiaoke",
        {
            "external_id": "商机编号",
            "name": "商机名称",
            "customer": "客户名称",
            "rep": "负责人",
            "amount": "商机金额",
            "stage": "销售阶段",
            "expected_close_on": "预计成交日期",
            "opened_on": "创建时间",
        },
    ),
    Profile(
        "fxiaoke-sales-orders",
        FactKind.ORDER,
        "fxiaoke",
        {
            "external_id": "销售订单编号",
            "booked_on": "下单日期",
            "customer": "客户名称",
            "rep": "负责人",
            "amount": "销售订单金额",
            "status": "订单状态",
        },
    ),
    Profile(
        "fxiaoke-collections",
        FactKind.COLLECTION,
        "fxiaoke",
        {  # the 回款明细 (OrderPaymentObj) export: one row per order a payment pays
            "external_id": "回款明细编号",
            "order": "销售订单编号",
            "received_on": "回款日期",
            "amount": "本次回款金额（元）",
            "note": "备注",
        },
    ),
)
BUILTIN_BY_NAME = {profile.name: profile for profile in BUILTIN}


def profile_list(*, kind: str) -> list[Profile]:
    """Built-in and saved profiles for ``kind`` (saved ones are shared by everyone who may import)."""
    saved = [
        Profile(row.name, row.kind, row.mapping.get("__source__"), _clean(row.mapping))
        for row in MappingProfile.objects.filter(kind=kind).order_by("name")
    ]
    return [profile for profile in BUILTIN if profile.kind == kind] + saved


def _clean(mapping: dict[str, object]) -> dict[str, str]:
    return {str(key): str(value) for key, value in mapping.items() if not key.startswith("__") and value}


def mapping_resolve(*, kind: str, name_or_path: str | None) -> Profile:
    """A profile by built-in name, saved name, or path of a JSON file ``{field: header}``; none → auto-map."""
    if not name_or_path:
        return Profile("", kind, None, {})
    if name_or_path in BUILTIN_BY_NAME:
        profile = BUILTIN_BY_NAME[name_or_path]
        if profile.kind != kind:
            message = _("The profile “%(name)s” is for %(kind)s.") % {"name": profile.name, "kind": profile.kind}
            raise ValidationError(message, field="mapping")
        return profile
    saved = MappingProfile.objects.filter(kind=kind, name=name_or_path).first()
    if saved is not None:
        return Profile(saved.name, kind, saved.mapping.get("__source__"), _clean(saved.mapping))
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(_("The mapping file is not valid JSON."), field="mapping") from exc
        if not isinstance(data, dict):
            raise ValidationError(_("The mapping file must hold an object {field: header}."), field="mapping")
        _check_keys(kind, data)
        return Profile(path.stem, kind, data.get("__source__"), _clean(data))
    raise NotFoundError(_("No mapping profile “%(name)s”.") % {"name": name_or_path}, field="mapping")


def _check_keys(kind: str, mapping: Mapping[str, object]) -> None:
    known = set(SPECS[kind].keys)
    unknown = sorted(key for key in mapping if not key.startswith("__") and key not in known)
    if unknown:
        message = _("Unknown field(s) in the mapping: %(fields)s.") % {"fields": ", ".join(unknown)}
        raise ValidationError(message, field="mapping")


@transaction.atomic
def mapping_profile_save(
    *, actor: User | None, kind: str, name: str, mapping: dict[str, str], source: str = ""
) -> MappingProfile:
    """Save (or replace) a named mapping profile for ``kind``; built-in names are reserved."""
    name = name.strip()
    if not name or name in BUILTIN_BY_NAME:
        raise ValidationError(_("Choose another profile name."), field="name")
    _check_keys(kind, mapping)
    data: dict[str, str] = {key: value for key, value in mapping.items() if value}
    if source:
        data["__source__"] = source
    profile, _created = MappingProfile.objects.update_or_create(
        kind=kind, name=name[:100], defaults={"mapping": data, "created_by": actor}
    )
    return profile
