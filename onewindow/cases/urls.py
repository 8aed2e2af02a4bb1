"""Case screens. Staff views live in views_staff.py, public/applicant views in views_public.py."""

from django.urls import path

from . import views_public, views_staff

app_name = "cases"

urlpatterns = [
    # Staff
    path("staff/", views_staff.workbench, name="workbench"),
    path("staff/intake/", views_staff.intake, name="intake"),
    path("staff/intake/items/", views_staff.intake_items, name="intake_items"),
    path("staff/intake/materials/", views_staff.intake_materials, name="intake_materials"),
    path("staff/intake/applicant/", views_staff.intake_applicant, name="intake_applicant"),
    path("staff/inbox/", views_staff.inbox, name="inbox"),
    path("staff/cases/", views_staff.case_list, name="case_list"),
    path("staff/cases/export.xlsx", views_staff.case_export, name="case_export"),
    path("staff/cases/<str:number>/", views_staff.case_detail, name="case_detail"),
    path("staff/cases/<str:number>/act/<str:action>/", views_staff.case_action, name="case_action"),
    path("staff/cases/<str:number>/reveal/", views_staff.case_reveal, name="case_reveal"),
    path("staff/cases/<str:number>/notice/<str:kind>.pdf", views_staff.case_notice, name="case_notice"),
    # Applicants and the public
    path("track/", views_public.track_lookup, name="track_lookup"),
    path("track/<str:code>/", views_public.track, name="track"),
    path("track/<str:code>/notice/<str:kind>.pdf", views_public.track_notice, name="track_notice"),
    path("my/", views_public.my_cases, name="my_cases"),
    path("my/login/", views_public.applicant_login, name="applicant_login"),
    path("my/register/", views_public.applicant_register, name="applicant_register"),
    path("my/logout/", views_public.applicant_logout, name="applicant_logout"),
    path("apply/<str:code>/", views_public.apply, name="apply"),
    path("my/cases/<str:number>/", views_public.my_case_detail, name="my_case_detail"),
]
