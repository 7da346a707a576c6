from django.urls import path

from attain.core import views

urlpatterns = [
    path("", views.home, name="home"),
]
