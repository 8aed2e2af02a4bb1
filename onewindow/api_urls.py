"""API v1 routes for every app."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from onewindow.cases.api.views import CaseViewSet
from onewindow.catalog.api.views import ServiceItemViewSet, TopicViewSet
from onewindow.integrated.api import IntegratedServiceViewSet
from onewindow.licences.api import LicenceVerifyView
from onewindow.org.api.views import DepartmentViewSet, ServiceCentreViewSet, WindowViewSet
from onewindow.shareddata.api import DataQueryView
from onewindow.supervision.api.views import HandoffViewSet
from onewindow.workdays.api.views import DueDateView

router = DefaultRouter()
router.register("centres", ServiceCentreViewSet, basename="centre")
router.register("departments", DepartmentViewSet, basename="department")
router.register("windows", WindowViewSet, basename="window")
router.register("items", ServiceItemViewSet, basename="item")
router.register("topics", TopicViewSet, basename="topic")
router.register("integrated", IntegratedServiceViewSet, basename="integrated")
router.register("cases", CaseViewSet, basename="case")
router.register("handoffs", HandoffViewSet, basename="handoff")

urlpatterns = [
    path("calendar/due/", DueDateView.as_view(), name="calendar-due"),
    path("licences/verify/<str:code>/", LicenceVerifyView.as_view(), name="licence-verify"),
    path("shareddata/query/", DataQueryView.as_view(), name="shareddata-query"),
    path("hall/", include("onewindow.hall.api.urls")),
    path("ratings/", include("onewindow.ratings.api.urls")),
    path("", include(router.urls)),
]
