"""Admin for users (role, data scope, linked person), API tokens (revoke only) and failed logins (clear)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from attain.accounts import services
from attain.accounts.models import ApiToken, LoginAttempt, User
from attain.core.audit import audit_record, model_snapshot

_AUDITED_USER_FIELDS = [
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "scope_unit",
    "preferred_language",
    "is_active",
    "is_staff",
    "is_superuser",
]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus Attain's role, data scope and the linked person; every save is audited."""

    list_display = ("username", "full_name", "email", "role", "scope_unit", "person_link", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    list_select_related = ("scope_unit", "person")
    search_fields = ("username", "first_name", "last_name", "email", "person__name", "person__employee_no")
    readonly_fields = ("person_link", "last_login", "date_joined")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Attain"), {"fields": ("role", "scope_unit", "preferred_language", "person_link")}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        (_("Attain"), {"fields": ("role", "scope_unit", "email", "first_name", "last_name")}),
    )

    @admin.display(description=_("name"))
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=_("person"))
    def person_link(self, obj: User) -> str:
        person = getattr(obj, "person", None)  # the reverse one-to-one raises AttributeError when unlinked
        if person is None:
            return "—"
        try:
            url = reverse("admin:org_person_change", args=[person.pk])
        except NoReverseMatch:
            return str(person)
        return format_html('<a href="{}">{}</a>', url, person)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        before = None
        if change:
            stored = User.objects.filter(pk=obj.pk).first()
            before = model_snapshot(stored, fields=_AUDITED_USER_FIELDS) if stored is not None else None
        super().save_model(request, obj, form, change)
        after = model_snapshot(obj, fields=_AUDITED_USER_FIELDS)
        if before != after:
            action = "accounts.user.admin_change" if change else "accounts.user.admin_add"
            audit_record(actor=request.user, action=action, instance=obj, before=before, after=after)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (the secret is shown once); here they can only be seen and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row is the record that the token existed

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(actor=actor, token=token)
            count += 1
        message = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Failed logins, read-only; "clear" lifts a lockout early (audited)."""

    list_display = ("attempted_at", "username", "ip_address")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempted_at"
    actions = ["clear"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # only through the audited "clear" action

    @admin.action(description=_("Clear the selected failed logins (unlock)"))
    def clear(self, request: HttpRequest, queryset: QuerySet[LoginAttempt]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        count = services.login_attempts_clear(actor=actor, attempts=queryset)
        message = ngettext("%(count)d failed login cleared.", "%(count)d failed logins cleared.", count) % {
            "count": count
        }
        self.message_user(request, message, messages.SUCCESS)
