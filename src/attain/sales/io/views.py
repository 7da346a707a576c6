"""The sales import wizard (upload → map → preview with every error → commit), batch history, templates and
exports.

Between steps the upload lives in ``default_storage`` under ``sales-imports/<token>`` and the wizard's state
in the session under that token; the file is deleted after the commit. The preview is a dry run (written in a
transaction that is rolled back, so its counts are exact) recorded as an ``ImportBatch`` whose errors the
preview pages through. Files of more than ``BIG_FILE_ROWS`` rows are committed by a background job
(``attain.sales.io.jobs``) whose progress the page polls. Only users who may import that kind
(``importing.import_allowed``) get past the first step; every row is then checked against their data scope.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from attain.core.errors import ApplicationError, NotFoundError
from attain.core.jobs import job_enqueue, job_get
from attain.sales import selectors as sales_selectors
from attain.sales.io import fields as F
from attain.sales.io.exporting import FORMATS, error_report, facts_export, import_template
from attain.sales.io.forms import MappingForm, UploadForm
from attain.sales.io.importing import facts_import, import_allowed
from attain.sales.io.jobs import import_commit_job
from attain.sales.io.profiles import mapping_profile_save, mapping_resolve
from attain.sales.io.reading import FileReadError, RawTable, read_table
from attain.sales.models import ImportBatch

if TYPE_CHECKING:
    from attain.accounts.models import User

SESSION_KEY = "sales_import_uploads"
UPLOAD_DIR = "sales-imports"
BIG_FILE_ROWS = 20_000  # more rows than this: commit as a background job
ERRORS_PER_PAGE = 50
SAMPLES = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)  # login_required ran first


def _allowed_kinds(actor: User) -> list[str]:
    return [kind for kind in F.SPECS if import_allowed(actor, kind)]


def _uploads(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return dict(request.session.get(SESSION_KEY, {}))


class _Expired(Exception):
    """The token is not one of this session's uploads (expired, committed, or someone else's)."""


def _entry(request: HttpRequest, token: str) -> dict[str, Any]:
    """The wizard state of ``token`` if it is this session's and its kind is still importable."""
    entry = _uploads(request).get(token)
    if entry is None or not default_storage.exists(entry["path"]):
        raise _Expired
    if not import_allowed(_actor(request), entry["kind"]):
        raise PermissionDenied
    return entry


def _save_entry(request: HttpRequest, token: str, entry: dict[str, Any] | None) -> None:
    uploads = _uploads(request)
    if entry is None:
        uploads.pop(token, None)
    else:
        uploads[token] = entry
    request.session[SESSION_KEY] = uploads


def _read(entry: dict[str, Any]) -> bytes:
    with default_storage.open(entry["path"], "rb") as handle:
        return cast("bytes", handle.read())


def _discard(request: HttpRequest, token: str, entry: dict[str, Any]) -> None:
    default_storage.delete(entry["path"])
    _save_entry(request, token, None)


# --- step 1: upload ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Choose what the file holds, the file, an optional mapping profile and the encoding."""
    actor = _actor(request)
    kinds = _allowed_kinds(actor)
    if not kinds:
        raise PermissionDenied
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in kinds else None
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        encoding = form.cleaned_data.get("encoding") or None
        try:
            read_table(data=data, filename=upload.name, encoding=encoding)
        except FileReadError as exc:
            form.add_error("file", exc.detail.message)
        else:
            kind = form.cleaned_data["kind"]
            profile_name = form.cleaned_data["profile_name"]
            source = mapping_resolve(kind=kind, name_or_path=profile_name).source if profile_name else None
            token = uuid.uuid4().hex
            path = default_storage.save(f"{UPLOAD_DIR}/{token}", ContentFile(data))
            entry = {
                "path": path,
                "filename": upload.name,
                "kind": kind,
                "encoding": encoding or "",
                "profile": profile_name,
                "source": source or "",
                "uploaded_at": timezone.now().isoformat(),
            }
            _save_entry(request, token, entry)
            return redirect("sales:import_map", token=token)
    status = 400 if request.method == "POST" else 200
    return render(request, "sales/io/upload.html", {"form": form, "step": 1}, status=status)


# --- step 2: map ---------------------------------------------------------------------------------------


def _samples(table: RawTable) -> dict[str, list[str]]:
    head = table.frame.head(200)
    samples: dict[str, list[str]] = {}
    for index, header in enumerate(table.headers):
        if header and header not in samples:
            samples[header] = [str(v) for v in head[f"c{index}"].drop_nulls().head(SAMPLES).to_list()]
    return samples


def _initial_mapping(entry: dict[str, Any], spec: F.KindSpec, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """The mapping to show: the last one chosen, else the profile's over the auto-mapping; plus missing headers."""
    if entry.get("mapping") is not None:
        return dict(entry["mapping"]), []
    mapping = F.auto_mapping(spec, headers)
    missing: list[str] = []
    if entry.get("profile"):
        profile = mapping_resolve(kind=entry["kind"], name_or_path=entry["profile"])
        present = set(headers)
        for key, header in profile.mapping.items():
            if header in present:
                mapping = {k: v for k, v in mapping.items() if v != header}
                mapping[key] = header
            else:
                missing.append(header)
    return mapping, missing


@login_required
@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, token: str) -> HttpResponse:
    try:
        return _import_map(request, token)
    except _Expired:
        messages.error(request, _("That upload has expired; upload the file again."))
        return redirect("sales:import_upload")


def _import_map(request: HttpRequest, token: str) -> HttpResponse:
    """Show the file's columns auto-mapped to Attain's fields (with sample values); let the user change them."""
    actor = _actor(request)
    entry = _entry(request, token)
    data = _read(entry)
    try:
        table = read_table(data=data, filename=entry["filename"], encoding=entry["encoding"] or None)
    except FileReadError as exc:
        _discard(request, token, entry)
        messages.error(request, exc.detail.message)
        return redirect("sales:import_upload")
    spec = F.SPECS[entry["kind"]]
    mapping, missing = _initial_mapping(entry, spec, table.headers)
    form = MappingForm(
        request.POST or None,
        spec=spec,
        headers=table.headers,
        initial={f"map_{key}": header for key, header in mapping.items()},
    )
    if request.method == "POST" and form.is_valid():
        entry["mapping"] = form.mapping
        name = form.cleaned_data.get("save_as", "").strip()
        saved = True
        if name:
            try:
                mapping_profile_save(
                    actor=actor, kind=entry["kind"], name=name, mapping=form.mapping, source=entry["source"]
                )
                entry["profile"] = name
            except ApplicationError as exc:
                form.add_error("save_as", exc.message)
                saved = False
        if saved:
            _preview(actor, entry, data)
            _save_entry(request, token, entry)
            return redirect("sales:import_preview", token=token)
    samples = _samples(table)
    context = {
        "form": form,
        "entry": entry,
        "token": token,
        "spec": spec,
        "rows": [(item, bound, samples.get(mapping.get(item.key, ""), [])) for item, bound in form.rows()],
        "samples": samples,
        "missing": missing,
        "row_count": table.row_count,
        "step": 2,
    }
    return render(request, "sales/io/map.html", context, status=400 if request.method == "POST" else 200)


def _preview(actor: User, entry: dict[str, Any], data: bytes) -> None:
    """The dry run: exact counts and every error, recorded as a batch the preview page reads."""
    result = facts_import(
        actor=actor,
        kind=entry["kind"],
        data=data,
        filename=entry["filename"],
        mapping=entry.get("mapping") or {},
        mapping_profile=entry.get("profile", ""),
        source=entry.get("source") or None,
        encoding=entry.get("encoding") or None,
        dry_run=True,
        auto_map=False,
    )
    entry["preview_batch"] = result.batch_id
    entry["row_count"] = result.row_count


# --- step 3: preview -----------------------------------------------------------------------------------


@login_required
@require_safe
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    try:
        return _import_preview(request, token)
    except _Expired:
        messages.error(request, _("That upload has expired; upload the file again."))
        return redirect("sales:import_upload")


def _import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """Counts (created / updated / unchanged) and every error, paginated; commit when there are none."""
    entry = _entry(request, token)
    if not entry.get("preview_batch"):
        return redirect("sales:import_map", token=token)
    batch = sales_selectors.import_batch_list(actor=_actor(request)).filter(pk=entry["preview_batch"]).first()
    if batch is None:
        raise Http404
    page = Paginator(batch.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "entry": entry,
        "token": token,
        "batch": batch,
        "page": page,
        "spec": F.SPECS[entry["kind"]],
        "is_big": batch.row_count > BIG_FILE_ROWS,
        "big_rows": BIG_FILE_ROWS,
        "step": 3,
    }
    return render(request, "sales/io/preview.html", context)


@login_required
@require_POST
def import_replace(request: HttpRequest, token: str) -> HttpResponse:
    try:
        return _import_replace(request, token)
    except _Expired:
        messages.error(request, _("That upload has expired; upload the file again."))
        return redirect("sales:import_upload")


def _import_replace(request: HttpRequest, token: str) -> HttpResponse:
    """Replace the upload with a corrected file (same kind and mapping) and preview it again."""
    actor = _actor(request)
    entry = _entry(request, token)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the corrected file."))
        return redirect("sales:import_preview", token=token)
    data = upload.read()
    try:
        read_table(data=data, filename=upload.name or "", encoding=entry["encoding"] or None)
    except FileReadError as exc:
        messages.error(request, exc.detail.message)
        return redirect("sales:import_preview", token=token)
    default_storage.delete(entry["path"])
    entry["path"] = default_storage.save(f"{UPLOAD_DIR}/{token}", ContentFile(data))
    entry["filename"] = upload.name or ""
    _preview(actor, entry, data)
    _save_entry(request, token, entry)
    return redirect("sales:import_preview", token=token)


# --- step 4: commit ------------------------------------------------------------------------------------


@login_required
@require_POST
def import_commit(request: HttpRequest, token: str) -> HttpResponse:
    try:
        return _import_commit(request, token)
    except _Expired:
        messages.error(request, _("That upload has expired; upload the file again."))
        return redirect("sales:import_upload")


def _import_commit(request: HttpRequest, token: str) -> HttpResponse:
    """Write the previewed file, all or nothing: now for small files, as a background job for big ones."""
    actor = _actor(request)
    entry = _entry(request, token)
    if not entry.get("preview_batch"):
        return redirect("sales:import_map", token=token)
    if int(entry.get("row_count") or 0) > BIG_FILE_ROWS:
        label = _("Import of %(file)s") % {"file": entry["filename"]}
        task_id = job_enqueue(
            task=import_commit_job,
            actor=actor,
            label=label,
            user_id=actor.pk,
            kind=entry["kind"],
            path=entry["path"],
            filename=entry["filename"],
            mapping=entry.get("mapping") or {},
            profile=entry.get("profile", ""),
            source=entry.get("source") or None,
            encoding=entry.get("encoding") or None,
        )
        _save_entry(request, token, None)  # the job owns (and deletes) the stored file now
        return redirect("sales:import_job", task_id=task_id)
    try:
        result = facts_import(
            actor=actor,
            kind=entry["kind"],
            data=_read(entry),
            filename=entry["filename"],
            mapping=entry.get("mapping") or {},
            mapping_profile=entry.get("profile", ""),
            source=entry.get("source") or None,
            encoding=entry.get("encoding") or None,
            auto_map=False,
        )
    finally:
        _discard(request, token, entry)
    if result.errors:
        messages.error(request, _("Nothing was imported: the data changed since the preview. See the errors below."))
    else:
        messages.success(request, _summary(result.created, result.updated, result.unchanged))
    return redirect("sales:import_batch_detail", pk=result.batch_id)


def _summary(created: int, updated: int, unchanged: int) -> str:
    return _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
    }


@login_required
@require_safe
def import_job(request: HttpRequest, task_id: str) -> HttpResponse:
    """The progress of a background import; htmx polls the fragment until the job has finished."""
    actor = _actor(request)
    try:
        job = job_get(actor=actor, task_id=task_id)
    except NotFoundError:
        raise Http404 from None
    batch = sales_selectors.import_batch_list(actor=actor).filter(task_id=task_id, is_dry_run=False).first()
    context = {"job": job, "batch": batch, "task_id": task_id}
    if getattr(request, "htmx", False):
        response = render(request, "sales/io/_job_progress.html", context)
        if job.is_finished and batch is not None:
            response["HX-Redirect"] = reverse("sales:import_batch_detail", args=[batch.pk])
        return response
    return render(request, "sales/io/job.html", context)


# --- batch history -------------------------------------------------------------------------------------


@login_required
@require_safe
def import_batch_list(request: HttpRequest) -> HttpResponse:
    """Import history: who, when, file, counts, status, error report."""
    actor = _actor(request)
    if not _allowed_kinds(actor):
        raise PermissionDenied
    batches = sales_selectors.import_batch_list(actor=actor)
    show_previews = request.GET.get("previews") == "1"
    if not show_previews:
        batches = batches.filter(is_dry_run=False)
    page = Paginator(batches.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "show_previews": show_previews, "labels": {k: s.label for k, s in F.SPECS.items()}}
    return render(request, "sales/io/batch_list.html", context)


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = sales_selectors.import_batch_list(actor=_actor(request)).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@login_required
@require_safe
def import_batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: counts, status and its errors, paginated."""
    batch = _batch(request, pk)
    page = Paginator(batch.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    spec = F.SPECS.get(batch.kind)
    return render(
        request, "sales/io/batch_detail.html", {"batch": batch, "page": page, "kind_label": spec.label if spec else ""}
    )


@login_required
@require_safe
def import_batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's errors as a workbook (row, column, value, message)."""
    batch = _batch(request, pk)
    response = HttpResponse(error_report(errors=list(batch.errors)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="attain-import-{batch.pk}-errors.xlsx"'
    return response


# --- templates and exports -----------------------------------------------------------------------------


@login_required
@require_safe
def import_template_view(request: HttpRequest) -> HttpResponse:
    """The blank XLSX template of ``?kind=``: headers in the user's language and an instructions sheet."""
    kind = request.GET.get("kind") or "order"
    if kind not in F.SPECS:
        raise Http404
    response = HttpResponse(import_template(kind=kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="attain-{kind}-template.xlsx"'
    return response


_NOT_FILTERS = {"kind", "format", "page"}
_PLURALS = {
    "orders": "order",
    "deals": "deal",
    "customers": "customer",
    "products": "product",
    "collections": "collection",
    "activities": "activity",
    "reversals": "reversal",
}


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """``?kind=orders&format=xlsx&<list filters>``: the facts of that kind in the user's scope, filtered."""
    # The first ``kind`` names the facts; a second one is the list's own "kind" filter (activity kind, …).
    kinds = request.GET.getlist("kind") or ["order"]
    kind = _PLURALS.get(kinds[0], kinds[0])
    format_ = request.GET.get("format", "xlsx")
    if kind not in F.SPECS or format_ not in FORMATS:
        raise Http404
    filters = {key: value for key, value in request.GET.items() if key not in _NOT_FILTERS and value}
    if len(kinds) > 1 and kinds[1]:
        filters["kind"] = kinds[1]
    data = facts_export(actor=_actor(request), kind=kind, format=format_, filters=filters)
    stamp = timezone.localdate().isoformat()
    content_type = XLSX if format_ == "xlsx" else "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="attain-{kind}-{stamp}.{format_}"'
    return response
