"""The REST API, ``/api/v1/``: one router per app, token or session auth, OpenAPI generated from the code.

``ApplicationError`` is mapped to a 4xx JSON body here and only here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from attain.accounts.auth import api_auth
from attain.core.errors import ApplicationError

api = NinjaAPI(
    title="Attain API",
    version="1",
    description="Attain sales performance management. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api-v1",
    auth=api_auth,
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _register_routers() -> None:
    from attain.accounts.api import router as accounts_router
    from attain.org.api import router as org_router
    from attain.sales.api import router as sales_router

    api.add_router("/accounts/", accounts_router)
    api.add_router("/org/", org_router)
    api.add_router("/sales/", sales_router)


_register_routers()
