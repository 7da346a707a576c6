"""REST endpoints of the org domain."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["org"])
