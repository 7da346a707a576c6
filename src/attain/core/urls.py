from django.urls import path

from attain.core import views

urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<str:task_id>/", views.job_detail, name="job_detail"),
]
