"""Web pages of the org domain: the tree, unit and person pages, the people list, import and export."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from attain.accounts.selectors import user_can
from attain.core.errors import ApplicationError, ImportFileError, NotFoundError, attach_to_form
from attain.core.scope import scope_for
from attain.org import selectors, services
from attain.org.choices import MembershipRole
from attain.org.filters import PersonFilter
from attain.org.forms import AsOfForm, ImportCommitForm, ImportForm, PersonFilterForm, TransferForm
from attain.org.models import Unit

if TYPE_CHECKING:
    from attain.accounts.models import User

IMPORT_SESSION_KEY = "org_import_uploads"
IMPORT_DIR = "org-imports"
PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _actor(request: HttpRequest) -> User:
    user = request.user
    return cast("User", user)  # login_required ran first


def _require(request: HttpRequest, capability: str) -> User:
    user = _actor(request)
    if not user_can(user, capability):
        raise PermissionDenied
    return user


def _as_of(request: HttpRequest) -> tuple[AsOfForm, dt.date]:
    day = timezone.localdate()
    form = AsOfForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("as_of"):
        day = form.cleaned_data["as_of"]
    elif not form.is_bound:
        form = AsOfForm(initial={"as_of": day})  # the box shows the date the page shows
    return form, day


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)

    @property
    def headcount(self) -> int:
        """Members of this unit and of every visible unit under it, on the page's date."""
        return int(getattr(self.unit, "member_count", 0)) + sum(child.headcount for child in self.children)


def _tree(units: list[Unit]) -> list[TreeNode]:
    """Nest units (in path order) under the nearest visible ancestor; units whose parent is hidden are roots."""
    nodes = {unit.pk: TreeNode(unit) for unit in units}
    roots: list[TreeNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.pk])
    return roots


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    """The organisation tree as of a date, with headcount per unit."""
    actor = _require(request, "org.view")
    form, day = _as_of(request)
    units = selectors.unit_tree_list(actor=actor, on=day)
    context = {"form": form, "as_of": day, "roots": _tree(units), "unit_count": len(units)}
    return render(request, "org/tree.html", context)


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit on a date: its managers and members, sub-units and membership history."""
    actor = _require(request, "org.view")
    try:
        unit = selectors.unit_get(actor=actor, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    form, day = _as_of(request)
    visible_people = selectors.person_list(actor=actor).values("pk")
    context = {
        "unit": unit,
        "form": form,
        "as_of": day,
        "ancestors": list(selectors.unit_ancestors(unit=unit).filter(scope_for(actor).unit_q())),
        "managers": list(
            selectors.unit_members_on(unit=unit, on=day, role=MembershipRole.MANAGER).filter(pk__in=visible_people)
        ),
        "members": list(
            selectors.unit_members_on(unit=unit, on=day, role=MembershipRole.MEMBER).filter(pk__in=visible_people)
        ),
        "subtree_headcount": selectors.unit_members_on(
            unit=unit, on=day, role=MembershipRole.MEMBER, include_subtree=True
        ).count(),
        "children": list(selectors.unit_list(actor=actor).filter(parent=unit)),
        "history": list(selectors.membership_history(actor=actor, unit=unit)[:200]),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    """People in scope, filtered by name / employee number / unit; the table alone for htmx requests."""
    actor = _require(request, "org.view")
    units = [(unit.pk, f"{'— ' * unit.depth}{unit.name}") for unit in selectors.unit_list(actor=actor)]
    form = PersonFilterForm(request.GET or None, units=units)
    person_filter = PersonFilter.from_params(request.GET)
    page = Paginator(person_filter.apply(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    day = person_filter.on or timezone.localdate()
    context = {"form": form, "page": page, "people": list(page.object_list), "on": day}
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    if getattr(request, "htmx", False):
        return render(request, "org/_person_table.html", context)
    return render(request, "org/person_list.html", context)


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's unit and managers on a date, the units they manage and their membership history."""
    actor = _actor(request)
    try:
        person = selectors.person_get(actor=actor, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    form, day = _as_of(request)
    context = {
        "person": person,
        "form": form,
        "as_of": day,
        "unit": selectors.person_unit_on(person=person, on=day),
        "managers": selectors.person_managers_on(person=person, on=day),
        "managed_units": list(selectors.units_managed_by(person=person, on=day)),
        "history": list(selectors.membership_history(actor=actor, person=person)),
        "can_change": user_can(actor, "org.change"),
    }
    return render(request, "org/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a person to another unit from a date; the service ends the current membership the day before."""
    actor = _require(request, "org.change")
    try:
        person = selectors.person_get(actor=actor, pk=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    units = selectors.unit_list(actor=actor, include_inactive=False)
    form = TransferForm(request.POST or None, units=units, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_transfer(
                actor=actor, person=person, to_unit=data["to_unit"], on=data["on"], note=data["note"]
            )
        except ApplicationError as exc:
            attach_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(person)s moves to %(unit)s from %(date)s.")
                % {"person": person.name, "unit": data["to_unit"].name, "date": data["on"].isoformat()},
            )
            return redirect("org:person_detail", pk=person.pk)
    status = 400 if request.method == "POST" else 200
    context = {"person": person, "form": form, "unit": selectors.person_unit_on(person=person, on=timezone.localdate())}
    return render(request, "org/person_transfer.html", context, status=status)


def _uploads(request: HttpRequest) -> dict[str, dict[str, str]]:
    return dict(request.session.get(IMPORT_SESSION_KEY, {}))


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload → preview (counts and every problem, nothing written) → confirm."""
    actor = _require(request, "org.change")
    context: dict[str, Any] = {"form": ImportForm(), "result": None, "error": None, "token": None}
    if request.method == "POST" and "token" in request.POST:
        return _import_commit(request, actor)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is larger than 20 MB."))
                return render(request, "org/import.html", context, status=400)
            data = upload.read()
            encoding = form.cleaned_data.get("encoding") or None
            try:
                result = services.org_import(
                    actor=actor, data=data, filename=upload.name, encoding=encoding, dry_run=True
                )
            except ImportFileError as exc:
                context["error"] = exc
                return render(request, "org/import.html", context, status=400)
            token = uuid.uuid4().hex
            stored = default_storage.save(f"{IMPORT_DIR}/{token}", ContentFile(data))
            uploads = _uploads(request)
            uploads[token] = {"path": stored, "filename": upload.name, "encoding": encoding or ""}
            request.session[IMPORT_SESSION_KEY] = uploads
            context.update(result=result, token=token, filename=upload.name)
    return render(request, "org/import.html", context)


def _import_commit(request: HttpRequest, actor: User) -> HttpResponse:
    form = ImportCommitForm(request.POST)
    uploads = _uploads(request)
    entry = uploads.get(form.data.get("token", "")) if form.is_valid() else None
    if entry is None or not default_storage.exists(entry["path"]):
        messages.error(request, _("That upload has expired; upload the file again."))
        return redirect("org:import")
    with default_storage.open(entry["path"], "rb") as handle:
        data = handle.read()
    context: dict[str, Any] = {"form": ImportForm(), "result": None, "error": None, "token": None}
    try:
        result = services.org_import(
            actor=actor, data=data, filename=entry["filename"], encoding=entry["encoding"] or None
        )
    except ApplicationError as exc:  # the org changed since the preview
        context["error"] = exc
        return render(request, "org/import.html", context, status=400)
    finally:
        default_storage.delete(entry["path"])
        uploads.pop(form.cleaned_data.get("token", ""), None)
        request.session[IMPORT_SESSION_KEY] = uploads
    summary = _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
        "created": sum(result.created.values()),
        "updated": sum(result.updated.values()),
        "unchanged": sum(result.unchanged.values()),
    }
    messages.success(request, summary)
    return redirect("org:tree")


@login_required
@require_GET
def export(request: HttpRequest, format: str) -> HttpResponse:
    """Download the org in scope: ``export.xlsx`` or ``export.zip`` (three UTF-8 CSVs)."""
    actor = _require(request, "org.view")
    if format not in ("xlsx", "zip"):
        raise Http404
    data = services.org_export(actor=actor, format="xlsx" if format == "xlsx" else "csv")
    stamp = timezone.localdate().isoformat()
    if format == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content_type = "application/zip"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="attain-org-{stamp}.{format}"'
    return response
