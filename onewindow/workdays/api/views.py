from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from onewindow.org.models import ServiceCentre

from .. import calendar as wd


class DueQuerySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="起算日期（当天不计）")
    days = serializers.IntegerField(min_value=0, max_value=3650, help_text="工作日数")
    centre = serializers.SlugRelatedField(slug_field="code", queryset=ServiceCentre.objects.all(), required=False,
                                          allow_null=True)


class DueResultSerializer(serializers.Serializer):
    date = serializers.DateField()
    days = serializers.IntegerField()
    due = serializers.DateField()
    provisional = serializers.BooleanField(help_text="计算涉及尚未导入官方放假安排的年份")


class DueDateView(APIView):
    """The date N working days after a date (the date itself not counted), honouring holidays and make-up days."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(parameters=[DueQuerySerializer], responses=DueResultSerializer)
    def get(self, request: Request) -> Response:
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start: dt.date = query.validated_data["date"]
        days: int = query.validated_data["days"]
        try:
            result = wd.add_working_days(start, days, query.validated_data.get("centre"))
        except ValueError as exc:  # the deadline runs past the years the calendar can compute
            raise serializers.ValidationError({"date": [_("无法计算该日期之后的期限：%(err)s") % {"err": exc}]}) from exc
        return Response(DueResultSerializer({"date": start, "days": days, "due": result.date,
                                             "provisional": result.provisional}).data)
