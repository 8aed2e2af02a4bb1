from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from onewindow.core import bench_views
from onewindow.core import views as core_views
from onewindow.security import views as security_views

admin.site.site_header = _("一窗通办 管理后台")
admin.site.site_title = _("一窗通办")
admin.site.index_title = _("事项目录、服务网络与工作日历")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/", core_views.healthz),
    # The admin's own password-only login would skip the second factor: it goes to the staff login instead.
    path("admin/login/", security_views.admin_login_redirect, name="admin_login_redirect"),
    # Baselines for `make bench`: 404 unless settings.ONEWINDOW_BENCH is on (see onewindow/core/bench_views.py).
    path("_bench/noop/", bench_views.noop, name="bench_noop"),
    path("_bench/insert/", bench_views.one_insert, name="bench_insert"),
    path("admin/", admin.site.urls),
    path("accounts/login/", security_views.login_view, name="login"),
    path("", include("onewindow.security.urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("onewindow.api_urls")),
    path("", include("onewindow.licences.urls")),
    path("", include("onewindow.supervision.urls")),
    path("", include("onewindow.webhooks.urls")),
    path("", include("onewindow.hall.urls")),
    path("", include("onewindow.ratings.urls")),
    path("", include("onewindow.integrated.urls")),  # 一件事: /yjs/, /my/yjs/, /staff/yjs/
    path("", include("onewindow.stats.urls")),  # leaders' statistics: /staff/stats/
    path("", include("onewindow.cases.urls")),
    path("", include("onewindow.portal.urls")),
]

handler404 = "onewindow.core.views.error_404"
handler500 = "onewindow.core.views.error_500"
handler400 = "onewindow.core.views.error_400"
handler403 = "onewindow.core.views.error_403"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
