"""Root URL configuration: web pages per app, the REST API under /api/v1/, the admin, language switch."""

from django.contrib import admin
from django.urls import include, path

from attain.accounts.urls import home_urlpatterns
from attain.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("accounts/", include("attain.accounts.urls")),
    path("org/", include("attain.org.urls")),
    path("sales/", include("attain.sales.urls")),
    path("", include(home_urlpatterns)),
    path("", include("attain.core.urls")),
]
