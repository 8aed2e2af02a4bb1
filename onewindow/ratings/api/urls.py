from django.urls import path

from . import views

urlpatterns = [
    path("", views.RateView.as_view(), name="ratings-rate"),
    path("summary/", views.SummaryView.as_view(), name="ratings-summary"),
]
