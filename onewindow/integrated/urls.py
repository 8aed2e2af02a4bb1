"""Pages of integrated services (一件事): the applicant's flow under /yjs/ and /my/yjs/, the general window's
under /staff/yjs/. Included in onewindow/urls.py before the cases URLs; a bundle's tracking page is served
by cases' /track/<code>/ (which falls back to views.track_bundle)."""

from django.urls import path

from . import views, views_staff

app_name = "integrated"

urlpatterns = [
    path("yjs/", views.service_list, name="services"),
    path("yjs/<slug:code>/", views.questions, name="questions"),
    path("yjs/<slug:code>/plan/", views.plan_page, name="plan"),
    path("yjs/<slug:code>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("yjs/<slug:code>/apply/", views.apply, name="apply"),
    path("my/yjs/", views.my_bundles, name="my_bundles"),
    path("staff/yjs/", views_staff.window_services, name="window"),
    path("staff/yjs/bundle/<int:pk>/", views_staff.window_bundle, name="window_bundle"),
    path("staff/yjs/bundle/<int:pk>/<str:kind>.pdf", views_staff.window_bundle_pdf, name="window_bundle_pdf"),
    path("staff/yjs/<slug:code>/", views_staff.window, name="window_service"),
    path("staff/yjs/<slug:code>/plan/", views_staff.window_plan, name="window_plan"),
]
