from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("ratings/case/<str:tracking_code>/", views.rate_case, name="rate_case"),
    path("ratings/ticket/<str:token>/", views.rate_ticket, name="rate_ticket"),
    path("ratings/dashboard/", views.dashboard, name="dashboard"),
    path("ratings/follow-ups/", views.follow_ups, name="follow_ups"),
    path("ratings/follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
    path("ratings/follow-ups/<int:pk>/act/<str:action>/", views.follow_up_act, name="follow_up_act"),
]
