"""REST endpoints of the sales domain."""

from ninja import Router

router = Router(tags=["sales"])
