"""Public API of published integrated services: list, detail (questions and options), and the plan."""

from __future__ import annotations

from typing import Any

from django.db.models import JSONField, OuterRef, Subquery
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from .engine import AnswerError, compiled_version
from .models import IntegratedService, IntegratedServiceVersion


class SituationOptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    blocks = serializers.BooleanField()
    block_message = serializers.CharField()


class SituationQuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    help_text = serializers.CharField()
    kind = serializers.ChoiceField(choices=["single", "multiple"])
    required = serializers.BooleanField()
    show_on_notice = serializers.BooleanField()
    revealed_by = serializers.CharField(allow_null=True, help_text="引出本追问的选项代码；首层问题为 null")
    options = SituationOptionSerializer(many=True)


class IntegratedStepSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="实施编码")
    name = serializers.CharField()
    department = serializers.CharField()
    base = serializers.BooleanField(help_text="基础事项：所有情形均需办理；否则由情形规则加入")


class IntegratedServiceListSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    audience = serializers.CharField()
    version = serializers.IntegerField(source="published_version")
    departments = serializers.SerializerMethodField()

    def get_departments(self, obj: Any) -> list[str]:
        if hasattr(obj, "current_departments"):
            return list(obj.current_departments or [])
        return list((obj.current_snapshot or {}).get("departments", []))


class IntegratedServiceDetailSerializer(IntegratedServiceListSerializer):
    questions = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    @extend_schema_field(SituationQuestionSerializer(many=True))
    def get_questions(self, obj: Any) -> list[dict[str, Any]]:
        return SituationQuestionSerializer((obj.current_snapshot or {}).get("questions", []), many=True).data

    @extend_schema_field(IntegratedStepSerializer(many=True))
    def get_items(self, obj: Any) -> list[dict[str, Any]]:
        return [{"code": s["item"], "name": s.get("name", ""), "department": s.get("department", {}).get("name", ""),
                 "base": s.get("base", True)} for s in (obj.current_snapshot or {}).get("steps", [])]


class IntegratedPlanSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(), allow_empty=True,
        help_text="{问题代码: 选项代码（单选）或选项代码列表（多选）}；未出现的追问答案将被忽略",
    )


class IntegratedServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Published integrated services (一件事) and their plans. Public and throttled."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        current = IntegratedServiceVersion.objects.filter(service=OuterRef("pk"), status="published")
        qs = IntegratedService.objects.published().order_by("order", "code")
        if self.action == "list":
            # The list needs only the departments, not the whole snapshot.
            return qs.annotate(current_departments=Subquery(current.values("snapshot__departments"),
                                                            output_field=JSONField()))
        return qs.annotate(current_version=Subquery(current.values("pk")),
                           current_published_at=Subquery(current.values("published_at")),
                           current_snapshot=Subquery(current.values("snapshot")))

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        if self.action == "list":
            return IntegratedServiceListSerializer
        if self.action == "plan":
            return IntegratedPlanSerializer
        return IntegratedServiceDetailSerializer

    @extend_schema(request=IntegratedPlanSerializer,
                   responses={200: OpenApiResponse(description="方案：事项、合并材料、综合申请表、部门、时限、收费、踏勘、跑动次数及每一项的原因"),
                              400: OpenApiResponse(description="未知的问题或选项代码：{answers: {问题代码: [错误]}}")})
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, code: str | None = None) -> Response:
        """The plan for the given answers (not stored; the same answers always give the same plan)."""
        service = self.get_object()
        body = IntegratedPlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        compiled = compiled_version((service.current_version, str(service.current_published_at)),
                                    lambda: service.current_snapshot)
        try:
            plan = compiled.plan(body.validated_data["answers"])
        except AnswerError as exc:
            raise serializers.ValidationError({"answers": exc.errors}) from exc
        return Response(plan.to_dict())
