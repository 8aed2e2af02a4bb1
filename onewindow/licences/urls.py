"""Licence pages: public verification, the holder's wallet, staff actions from the case page."""

from django.urls import path

from . import views

app_name = "licences"

urlpatterns = [
    path("licences/verify/<str:code>/", views.verify, name="verify"),
    path("my/licences/", views.my_licences, name="my_licences"),
    path("my/licences/<str:code>.pdf", views.my_licence_pdf, name="my_licence_pdf"),
    path("staff/licences/<str:code>.pdf", views.staff_licence_pdf, name="staff_licence_pdf"),
    path("staff/licences/cases/<str:number>/check/", views.staff_case_check, name="case_check"),
    path("staff/licences/cases/<str:number>/authorise/", views.staff_written_authorisation, name="case_authorise"),
    path("staff/licences/cases/<str:number>/issue/", views.staff_case_issue, name="case_issue"),
]
