from rest_framework import viewsets

from onewindow.core.permissions import PublicReadModelWrite

from .. import services
from ..models import Department, ServiceCentre, Window
from .serializers import DepartmentSerializer, ServiceCentreSerializer, WindowSerializer


class ServiceCentreViewSet(viewsets.ModelViewSet):
    """Service centres: readable by anyone, written by system administrators."""

    queryset = ServiceCentre.objects.select_related("parent").all()
    serializer_class = ServiceCentreSerializer
    permission_classes = [PublicReadModelWrite]
    lookup_field = "code"
    filterset_fields = ["level", "weekend_service"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):  # type: ignore[no-untyped-def]
        serializer.instance = services.save_centre(actor=self.request.user, centre=ServiceCentre(**serializer.validated_data))

    def perform_update(self, serializer):  # type: ignore[no-untyped-def]
        centre = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(centre, field, value)
        services.save_centre(actor=self.request.user, centre=centre)


class DepartmentViewSet(viewsets.ModelViewSet):
    queryset = Department.objects.prefetch_related("sections").all()
    serializer_class = DepartmentSerializer
    permission_classes = [PublicReadModelWrite]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):  # type: ignore[no-untyped-def]
        serializer.instance = services.save_department(
            actor=self.request.user, department=Department(**serializer.validated_data)
        )

    def perform_update(self, serializer):  # type: ignore[no-untyped-def]
        department = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(department, field, value)
        services.save_department(actor=self.request.user, department=department)


class WindowViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Window.objects.select_related("centre").filter(is_active=True)
    serializer_class = WindowSerializer
    filterset_fields = ["kind"]
