from django.urls import path

from . import views

urlpatterns = [
    path("centres/<slug:code>/queue/", views.QueueView.as_view(), name="hall-queue"),
    path("centres/<slug:code>/tickets/", views.IssueTicketView.as_view(), name="hall-issue-ticket"),
    path("centres/<slug:code>/slots/", views.SlotsView.as_view(), name="hall-slots"),
    path("tickets/<str:token>/", views.TicketStatusView.as_view(), name="hall-ticket"),
    path("appointments/", views.BookView.as_view(), name="hall-book"),
    path("appointments/<str:code>/cancel/", views.CancelView.as_view(), name="hall-cancel"),
]
