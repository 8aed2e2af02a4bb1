"""Handoff API for the supervising departments' own systems: list, claim, answer.

The queryset is Handoff.objects.visible_to(user): a liaison (or the service account of a department system,
a user with the liaison role) sees its department's handoffs and the pool; anything else is a 404. Actions
call the services, which lock the row and re-check the permission inside their transaction.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from .. import services
from ..choices import HandoffKind, HandoffStatus
from ..models import Handoff
from .serializers import ClaimSerializer, FeedbackCreateSerializer, FeedbackSerializer, HandoffSerializer


class HandoffFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=HandoffStatus.choices)
    kind = django_filters.ChoiceFilter(choices=HandoffKind.choices)
    pool = django_filters.BooleanFilter(field_name="department", lookup_expr="isnull")
    department = django_filters.NumberFilter(field_name="department_id")
    case_number = django_filters.CharFilter(field_name="case__number")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")

    class Meta:
        model = Handoff
        fields = ["status", "kind", "pool", "department", "case_number", "created_after"]


class HandoffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = HandoffSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = HandoffFilter
    lookup_field = "uuid"

    def get_queryset(self) -> Any:
        return (Handoff.objects.visible_to(self.request.user)
                .select_related("case", "case__item", "case__department", "department")
                .prefetch_related("feedback__department").order_by("-created_at", "-id"))

    @extend_schema(request=ClaimSerializer, responses=HandoffSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, uuid: str | None = None) -> Response:
        handoff = self.get_object()
        data = ClaimSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claimed = services.claim_handoff(actor=request.user, handoff=handoff,
                                         department=data.validated_data.get("department"))
        return Response(HandoffSerializer(self.get_queryset().get(pk=claimed.pk)).data)

    @extend_schema(request=FeedbackCreateSerializer, responses={201: FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, uuid: str | None = None) -> Response:
        handoff = self.get_object()
        data = FeedbackCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        feedback = services.record_feedback(actor=request.user, handoff=handoff, kind=d["kind"], text=d["text"],
                                            visit_date=d.get("visit_date"), follow_up=d.get("follow_up", ""),
                                            close=d.get("close", False))
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)
