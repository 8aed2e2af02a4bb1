from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import services
from ..models import GuideVersion, ServiceItem, Topic
from ..search import search_items
from .serializers import (
    GuideVersionSerializer,
    PublishSerializer,
    ServiceItemListSerializer,
    ServiceItemSerializer,
    TopicSerializer,
)


class ServiceItemFilter(filters.FilterSet):
    audience = filters.ChoiceFilter(choices=[("citizen", "个人"), ("enterprise", "法人")], method="filter_audience")
    topic = filters.CharFilter(field_name="topics__code")

    class Meta:
        model = ServiceItem
        fields = ["department", "item_type", "case_kind", "county_wide", "weekend_service"]

    def filter_audience(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.for_audience(value)


class ServiceItemViewSet(viewsets.ModelViewSet):
    """Catalog items. The public sees published, active items; catalog administrators see all and write."""

    filterset_class = ServiceItemFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = ServiceItem.objects.select_related("department", "section")
        user = self.request.user
        if not (user.is_authenticated and user.has_perm("catalog.change_serviceitem")):
            qs = qs.published()
        if self.action != "list":
            qs = qs.prefetch_related("materials", "topics")
        return qs

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        if self.action == "list":
            return ServiceItemListSerializer
        if self.action == "publish":
            return PublishSerializer
        return ServiceItemSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, description="中文、全拼或拼音首字母（如 yyzz）")])
    def list(self, request: Request, *args, **kwargs):  # type: ignore[no-untyped-def]
        query = request.query_params.get("q", "").strip()
        if query:
            items = search_items(self.filter_queryset(self.get_queryset()), query, limit=100)
            return Response({"count": len(items), "next": None, "previous": None,
                             "results": ServiceItemListSerializer(items, many=True).data})
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):  # type: ignore[no-untyped-def]
        data = dict(serializer.validated_data)
        topics = data.pop("topics", [])
        item = services.save_item(actor=self.request.user, item=ServiceItem(**data))
        item.topics.set(topics)
        serializer.instance = item

    def perform_update(self, serializer):  # type: ignore[no-untyped-def]
        data = dict(serializer.validated_data)
        topics = data.pop("topics", None)
        item = serializer.instance
        for field, value in data.items():
            setattr(item, field, value)
        services.save_item(actor=self.request.user, item=item)
        if topics is not None:
            item.topics.set(topics)

    @extend_schema(request=PublishSerializer, responses={201: GuideVersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish the item's working copy as a new guide version."""
        if not request.user.has_perm("catalog.change_serviceitem"):
            return Response({"detail": "无权发布办事指南。"}, status=status.HTTP_403_FORBIDDEN)
        item = get_object_or_404(ServiceItem, pk=pk)
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        guide = services.publish_guide(actor=request.user, item=item, change_note=serializer.validated_data.get("change_note", ""))
        return Response(GuideVersionSerializer(guide).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=GuideVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def guides(self, request: Request, pk: str | None = None) -> Response:
        """Every published version of the item's guide, newest first."""
        item = self.get_object()
        versions = GuideVersion.objects.filter(item=item).order_by("-number")
        return Response(GuideVersionSerializer(versions, many=True).data)


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    lookup_field = "code"
    pagination_class = None
