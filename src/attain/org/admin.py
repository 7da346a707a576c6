"""Admin for the org models.

Units: ``parent``, ``path`` and ``depth`` are read-only on the change form, because a move must rewrite the whole
subtree's paths (``services.unit_move``: the org tree page, the API or an import). New units are created through
``services.unit_create`` so their path is right from the start.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from attain.org import services
from attain.org.models import Membership, Person, ProductLine, Territory, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "depth", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        return ["path", "depth", "parent"] if obj is not None else ["path", "depth"]

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        actor = request.user if request.user.is_authenticated else None
        if change:
            services.unit_update(
                actor=actor,
                unit=obj,
                name=obj.name,
                kind=obj.kind,
                is_active=obj.is_active,
                code=obj.code,
            )
        else:
            created = services.unit_create(
                actor=actor,
                code=obj.code,
                name=obj.name,
                kind=obj.kind,
                parent=obj.parent,
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["unit", "role", "valid_from", "valid_to", "note"]
    readonly_fields = ["unit", "role", "valid_from", "valid_to", "note"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # added through services (overlap checks under a lock)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "email", "user", "hired_on", "left_on"]
    search_fields = ["employee_no", "name", "email"]
    raw_id_fields = ["user"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only here: memberships change through the services, which refuse overlaps."""

    list_display = ["person", "unit", "role", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["person__name", "person__employee_no", "unit__code", "unit__name"]
    list_select_related = ["person", "unit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "unit", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "unit"]


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]
