"""Staff API: POST /api/v1/shareddata/query/ — one audited gateway call for a case (never a 500 when the source
is down: the answer carries the outcome, a message and the manual fallback)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onewindow.cases.models import Case

from . import services
from .models import DataSource


class QueryInputSerializer(serializers.Serializer):
    source = serializers.SlugField(help_text="数据源代码")
    case = serializers.CharField(help_text="办件编号")
    subject_code = serializers.CharField(max_length=40, help_text="身份证号或统一社会信用代码")
    subject_type = serializers.ChoiceField(choices=["111", "001"], required=False)
    purpose = serializers.CharField(max_length=200)
    refresh = serializers.BooleanField(default=False)


class QueryResultSerializer(serializers.Serializer):
    source = serializers.CharField()
    outcome = serializers.CharField()
    data = serializers.DictField()
    message = serializers.CharField()
    fallback = serializers.CharField()
    from_cache = serializers.BooleanField()
    sandbox = serializers.BooleanField()


class DataQueryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=QueryInputSerializer, responses={200: QueryResultSerializer}, summary="查询共享数据（工作人员）")
    def post(self, request: Request) -> Response:
        data = QueryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = get_object_or_404(Case.objects.visible_to(request.user), number=values["case"])
        source = get_object_or_404(DataSource, code=values["source"])
        result = services.query(actor=request.user, source=source, subject_code=values["subject_code"],
                                subject_type=values.get("subject_type"), purpose=values["purpose"], case=case,
                                refresh=values["refresh"])
        return Response(QueryResultSerializer({
            "source": source.code, "outcome": result.outcome, "data": result.data, "message": result.message,
            "fallback": result.fallback, "from_cache": result.from_cache, "sandbox": result.sandbox}).data)
