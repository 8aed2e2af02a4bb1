from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("staff/stats/", views.dashboard, name="dashboard"),
    path("staff/stats/export.xlsx", views.export, name="export"),
    path("staff/stats/report/", views.report, name="report"),
]
