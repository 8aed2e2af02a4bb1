from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("supervision/inbox/", views.inbox, name="handoff_inbox"),
    path("supervision/stats/", views.stats, name="stats"),
    path("supervision/handoffs/<uuid:uuid>/", views.handoff_detail, name="handoff_detail"),
    path("supervision/handoffs/<uuid:uuid>/claim/", views.handoff_claim, name="handoff_claim"),
    path("supervision/handoffs/<uuid:uuid>/feedback/", views.handoff_feedback, name="handoff_feedback"),
    path("supervision/handoffs/<uuid:uuid>/assign/", views.handoff_assign, name="handoff_assign"),
    path("supervision/cases/<str:number>/", views.case_handoffs, name="case_handoffs"),
    path("supervision/registrations/<str:number>/", views.registration, name="registration"),
    path("supervision/registrations/<str:number>/notice.pdf", views.registration_pdf, name="registration_pdf"),
    path("supervision/notice/<str:code>.pdf", views.public_notice, name="public_notice"),
]
