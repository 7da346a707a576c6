app_name = "sales"

urlpatterns: list = []
