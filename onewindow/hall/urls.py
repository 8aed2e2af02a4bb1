"""Hall screens. Fixed paths first; the per-centre kiosk, board and weekend pages take the centre code."""

from django.urls import path

from . import views_public, views_staff

app_name = "hall"

urlpatterns = [
    path("hall/", views_public.index, name="index"),
    path("hall/weekend/", views_public.weekend_all, name="weekend_all"),
    path("hall/t/<str:token>/", views_public.ticket, name="ticket"),
    path("hall/t/<str:token>/status/", views_public.ticket_status, name="ticket_status"),
    path("hall/book/", views_public.book, name="book"),
    path("hall/book/<slug:centre>/<int:item>/", views_public.book_slot, name="book_slot"),
    path("hall/appointments/<str:code>/", views_public.appointment, name="appointment"),
    path("hall/appointments/<str:code>/cancel/", views_public.appointment_cancel, name="appointment_cancel"),
    path("hall/my/appointments/", views_public.my_appointments, name="my_appointments"),
    # Staff
    path("hall/window/", views_staff.window_console, name="window"),
    path("hall/window/<int:pk>/take/", views_staff.window_take, name="window_take"),
    path("hall/window/<int:pk>/release/", views_staff.window_release, name="window_release"),
    path("hall/window/<int:pk>/queue/", views_staff.window_queue_part, name="window_queue"),
    path("hall/window/<int:pk>/act/<str:action>/", views_staff.window_act, name="window_act"),
    path("hall/window/<int:pk>/tablet/", views_staff.tablet, name="tablet"),
    path("hall/window/<int:pk>/tablet/state/", views_staff.tablet_state, name="tablet_state"),
    path("hall/stats/", views_staff.stats, name="stats"),
    # Per centre: touch kiosk, display board, weekend schedule
    path("hall/<slug:centre>/kiosk/", views_public.kiosk, name="kiosk"),
    path("hall/<slug:centre>/kiosk/checkin/", views_public.kiosk_checkin, name="kiosk_checkin"),
    path("hall/<slug:centre>/kiosk/ticket/<str:token>/", views_public.kiosk_ticket, name="kiosk_ticket"),
    path("hall/<slug:centre>/board/", views_public.board, name="board"),
    path("hall/<slug:centre>/board/feed/", views_public.board_feed, name="board_feed"),
    path("hall/<slug:centre>/weekend/", views_public.weekend, name="weekend"),
]
