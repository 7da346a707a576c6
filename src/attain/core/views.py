"""Cross-domain pages: the role-aware home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page; what it shows depends on the user's role."""
    return render(request, "core/home.html", {})
