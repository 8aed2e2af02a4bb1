"""Ratings API: rate a case stage (by tracking code) or a hall visit (by ticket token), and the dashboard
figures for staff. Levels are the national codes: 1 非常满意 … 5 非常不满意 (no stars in the API)."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from onewindow.core import clock

from .. import permissions, services
from ..choices import BAD_REASONS, Channel, Level, Stage
from ..selectors import satisfaction_summary

REASONS = [code for code, _label in BAD_REASONS]


class RatingIn(serializers.Serializer):
    tracking_code = serializers.CharField(required=False, allow_blank=True, default="",
                                          help_text="办件查询码（评价办件）；与 ticket_token 二选一")
    stage = serializers.ChoiceField(choices=[Stage.ACCEPTANCE, Stage.COMPLETION], required=False, allow_null=True,
                                    default=None, help_text="办件评价环节，默认当前可评的最后环节")
    ticket_token = serializers.CharField(required=False, allow_blank=True, default="", help_text="排队号票令牌（评价现场服务）")
    level = serializers.IntegerField(help_text="国家标准等级：1 非常满意 … 5 非常不满意")
    channel = serializers.ChoiceField(choices=[c for c in Channel.values if c != Channel.DEFAULT], default=Channel.PC)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=REASONS), required=False, default=list)

    def validate(self, attrs: dict) -> dict:
        if bool(attrs["tracking_code"]) == bool(attrs["ticket_token"]):
            raise serializers.ValidationError({"non_field_errors": ["请提供 tracking_code 或 ticket_token 之一。"]})
        return attrs


class RatingOut(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.ChoiceField(choices=Level.choices)
    stage = serializers.ChoiceField(choices=Stage.choices)
    channel = serializers.CharField()
    follow_up = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_follow_up(self, obj: object) -> bool:
        return hasattr(obj, "follow_up")


class RateView(APIView):
    """好差评 through the API (partner apps, hall terminals). One rating per case stage or per ticket."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(request=RatingIn, responses={201: RatingOut})
    def post(self, request: Request) -> Response:
        data = RatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        common = {"actor": request.user, "level": v["level"], "channel": v["channel"], "comment": v["comment"],
                  "reasons": v["reasons"]}
        if v["tracking_code"]:
            rating = services.rate_case(tracking_code=v["tracking_code"], stage=v["stage"], **common)
        else:
            rating = services.rate_ticket(token=v["ticket_token"], **common)
        return Response(RatingOut(rating).data, status=status.HTTP_201_CREATED)


class SummaryView(APIView):
    """Dashboard figures (distribution, response rate, follow-up rates) for the user's centres."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=inline_serializer("RatingSummary", {
        "total": serializers.IntegerField(), "distribution": serializers.ListField(child=serializers.DictField()),
        "cases": serializers.DictField(), "tickets": serializers.DictField(), "follow_ups": serializers.DictField()}))
    def get(self, request: Request) -> Response:
        ids = permissions.dashboard_centre_ids(request.user)
        if ids is not None and not ids:
            raise PermissionDenied("好差评统计仅限大厅管理员和领导查看。")
        today = clock.today()
        try:
            end = dt.date.fromisoformat(request.query_params.get("end", "")) if request.query_params.get("end") else today
            start = (dt.date.fromisoformat(request.query_params["start"]) if request.query_params.get("start")
                     else end - dt.timedelta(days=29))
        except ValueError as exc:
            raise serializers.ValidationError({"start": ["日期格式应为 YYYY-MM-DD。"]}) from exc
        summary = satisfaction_summary(ids, start, end)
        for row in summary["distribution"]:
            row["label"] = str(row["label"])
        return Response({"start": start, "end": end, **summary})
