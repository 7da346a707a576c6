from django.urls import path

from attain.org import views

app_name = "org"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/transfer/", views.person_transfer, name="person_transfer"),
    path("import/", views.import_view, name="import"),
    path("export.<str:format>", views.export, name="export"),
]
