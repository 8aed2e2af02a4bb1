from django.contrib.auth.decorators import login_required
from django.urls import path

from . import views, views_access

app_name = "security"

urlpatterns = [
    path("accounts/login/verify/", views.verify_view, name="verify"),
    path("accounts/login/enrol/", views.enrol_view, name="enrol"),
    path("accounts/password/", login_required(views.StaffPasswordChangeView.as_view()), name="password_change"),
    path("accounts/password/done/", login_required(views.password_done_view), name="password_done"),
    path("staff/security/access/", views_access.access_view, name="access"),
]
