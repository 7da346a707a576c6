"""Cross-domain pages: the role-aware home page, the audit log and background jobs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from attain.accounts.choices import Capability
from attain.accounts.selectors import user_can
from attain.core import jobs, selectors
from attain.core.errors import NotFoundError
from attain.core.forms import AuditFilterForm


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by object type, object id and actor; needs ``audit.view``."""
    if not user_can(request.user, Capability.AUDIT_VIEW):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, object_types=selectors.audit_object_types())
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list(
        actor=request.user,
        object_type=filters.get("object_type") or None,
        object_id=filters.get("object_id") or None,
        actor_label=filters.get("actor") or None,
    )
    template = "core/_audit_table.html" if getattr(request, "htmx", False) else "core/audit_list.html"
    return render(request, template, {"form": form, "events": events})


@login_required
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    """Background jobs the user started (all jobs with ``jobs.view_all``); refreshes while any is running."""
    job_views = jobs.job_list(actor=request.user)
    context = {"jobs": job_views, "any_running": any(not job.is_finished for job in job_views)}
    template = "core/_job_table.html" if getattr(request, "htmx", False) else "core/job_list.html"
    return render(request, template, context)


@login_required
def job_detail(request: HttpRequest, task_id: str) -> HttpResponse:
    """One job's status and progress; re-polls itself every 2 seconds until the job has finished."""
    try:
        job = jobs.job_get(actor=request.user, task_id=task_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    template = "core/_job_detail.html" if getattr(request, "htmx", False) else "core/job_detail.html"
    return render(request, template, {"job": job})
