from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("items/", views.item_list, name="items"),
    path("guide/<str:code>/", views.guide, name="guide"),
    path("guide/<str:code>/v<int:number>/", views.guide, name="guide_version"),
    path("guide/<str:code>/notice.pdf", views.notice_pdf, name="notice"),
    path("guide/<str:code>/v<int:number>/notice.pdf", views.notice_pdf, name="notice_version"),
    path("prefs/", views.preferences, name="preferences"),
]
