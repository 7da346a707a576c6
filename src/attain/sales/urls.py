from django.urls import include, path

from attain.sales import views

app_name = "sales"

urlpatterns: list = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/new/", views.collection_create, name="collection_create"),
    path("deals/", views.deal_list, name="deal_list"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    # The import wizard, batch history, templates and exports share this namespace (sales:import_upload, …).
    path("import/", include("attain.sales.io.urls")),
]
