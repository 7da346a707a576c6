"""Routes of the import wizard, batch history, templates and exports.

No ``app_name``: the sales URLconf includes these under its own ``sales`` namespace (``sales:import_upload``,
``sales:export``, …), mounted at ``import/``.
"""

from django.urls import path

from attain.sales.io import views

urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("<str:token>/map/", views.import_map, name="import_map"),
    path("<str:token>/preview/", views.import_preview, name="import_preview"),
    path("<str:token>/replace/", views.import_replace, name="import_replace"),
    path("<str:token>/commit/", views.import_commit, name="import_commit"),
    path("jobs/<str:task_id>/", views.import_job, name="import_job"),
    path("batches/", views.import_batch_list, name="import_batch_list"),
    path("batches/<int:pk>/", views.import_batch_detail, name="import_batch_detail"),
    path("batches/<int:pk>/errors.xlsx", views.import_batch_errors, name="import_batch_errors"),
    path("template/", views.import_template_view, name="import_template"),
    path("export/", views.export, name="export"),
]
