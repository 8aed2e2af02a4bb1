from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("messages/", views.message_list, name="messages"),
    path("messages/read/", views.message_read, name="messages_read"),
    path("webhooks/", views.subscriber_list, name="subscribers"),
    path("webhooks/dead/", views.dead_list, name="dead"),
    path("webhooks/dead/<int:pk>/resend/", views.resend, name="resend"),
    path("webhooks/<uuid:uuid>/", views.subscriber_detail, name="subscriber"),
]
