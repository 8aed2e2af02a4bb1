"""Case API: a thin layer over services.py.

Every request sees only `Case.objects.visible_to(user)`, so a case outside the user's scope is a 404, exactly
like a case that does not exist. Each transition is one POST that validates its input with a serializer and
calls one service with `actor=request.user`; the services re-check the rules inside their transaction and
raise ForbiddenError (403), ConflictError (409, also for a stale `expected_version`) or ValidationError (400).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from onewindow.audit.services import record_event
from onewindow.core.db import fixed_join_order
from onewindow.core.errors import ConflictError
from onewindow.core.masking import mask_name, mask_phone

from .. import services
from ..choices import ApplicantKind
from ..models import Case, CaseEvent, CaseQuerySet
from .filters import CaseFilter
from .serializers import (
    CaseAcceptSerializer,
    CaseCreatedSerializer,
    CaseCreateSerializer,
    CaseDecideSerializer,
    CaseDeliverSerializer,
    CaseDetailSerializer,
    CaseEndSpecialSerializer,
    CaseExportQuerySerializer,
    CaseExtendSerializer,
    CaseFulfilPendingSerializer,
    CaseListSerializer,
    CaseOpinionSerializer,
    CaseReasonSerializer,
    CaseReceiveCorrectionSerializer,
    CaseRefuseSerializer,
    CaseRequestCorrectionSerializer,
    CaseReviewSerializer,
    CaseStartSpecialSerializer,
    CaseVersionedSerializer,
    PersonalDataAccess,
)


def whole_case(queryset: CaseQuerySet) -> CaseQuerySet:
    """Everything the case screen shows, in a fixed number of queries however long the history is."""
    return queryset.for_list().select_related("guide", "window", "clerk", "assignee", "handling_centre").prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.prefetch_related("attachments")),
        "materials", "pauses", "corrections",
    )


def _as_prefetched(obj: Any, **relations: list[Any]) -> None:
    """Give `obj` the related rows it was just created with, as prefetch_related would have fetched them
    (Django's own representation: a queryset whose result cache is filled), so reading them costs no query."""
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in relations.items():
        queryset = getattr(obj, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset


class CaseErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="输入有误：按字段列出的错误信息。"),
    403: OpenApiResponse(CaseErrorSerializer, description="无权办理该环节。"),
    404: OpenApiResponse(CaseErrorSerializer, description="办件不存在，或不在您的可见范围内。"),
    409: OpenApiResponse(CaseErrorSerializer, description="办件状态不允许该操作，或已被他人修改（expected_version 过期）。"),
}
CASE_RESPONSES = {200: CaseDetailSerializer, **_ERRORS}

_EXPORT_LIMIT = 50_000  # an export is a report, not a backup; larger sets must be filtered by period


def _transition(request_serializer: type[serializers.Serializer], summary: str, description: str = "") -> Any:
    """The schema of one POST transition: its request body and the whole case back."""
    return extend_schema(request=request_serializer, responses=CASE_RESPONSES, summary=summary,
                         description=description or None, filters=False)


@extend_schema_view(
    list=extend_schema(summary="办件列表（按用户可见范围）", responses={200: CaseListSerializer(many=True)}),
    retrieve=extend_schema(
        summary="整件办件：环节、材料、暂停、期限",
        parameters=[OpenApiParameter("reveal", OpenApiTypes.BOOL, description=(
            "收件或办理中心的窗口人员：返回完整证件号码、电话和地址（记入审计日志 pii.reveal，按人限频）。"
            "默认脱敏。"))],
        responses={200: CaseDetailSerializer, 403: _ERRORS[403], 404: _ERRORS[404],
                   429: OpenApiResponse(CaseErrorSerializer, description="查看完整信息过于频繁。")}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases, looked up by their number. Lists, details, exports and transitions share one visible queryset."""

    permission_classes = [IsAuthenticated]
    lookup_field = "number"
    lookup_value_regex = r"[0-9A-Za-z]+"
    filterset_class = CaseFilter
    serializer_class = CaseDetailSerializer
    queryset = Case.objects.none()  # for the schema generator; get_queryset is what requests use

    def get_queryset(self) -> CaseQuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        visible = Case.objects.visible_to(self.request.user)
        if self.action in ("list", "export"):
            return visible.for_list().order_by("-received_at", "-id")
        if self.action == "retrieve":
            return whole_case(visible)
        # Transitions: the service locks the row and reads what it needs; the input serializers look at the
        # case's materials, so fetch them with the case.
        return visible.select_related("applicant").prefetch_related("materials")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list":
            return CaseListSerializer
        if self.action == "create":
            return CaseCreateSerializer
        return CaseDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not hasattr(self, "_access"):
            self._access = PersonalDataAccess(self.request.user)
        context["access"] = self._access
        return context

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with fixed_join_order():
            case = self.get_object()
        access = PersonalDataAccess(request.user)
        if request.query_params.get("reveal", "").lower() in ("1", "true", "yes") and not access.full(case):
            from ..views_public import rate_hit, rate_wait

            ident = str(request.user.pk)
            wait = rate_wait("pii_reveal_user", ident)
            if wait is not None:
                return Response({"detail": _("查看完整信息过于频繁，请稍后再试。"), "code": "RateLimited"},
                                status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(wait)})
            services.reveal_personal_data(actor=request.user, case=case)  # ForbiddenError → 403
            rate_hit("pii_reveal_user", ident)
            access.revealed = True
        self._access = access
        return Response(self.get_serializer(case).data)

    # -----------------------------------------------------------------------------------------
    # Helpers

    def _case_response(self, pk: int, serializer_class: type[CaseDetailSerializer] = CaseDetailSerializer,
                       code: int = status.HTTP_200_OK, queryset: CaseQuerySet | None = None) -> Response:
        with fixed_join_order():  # eleven tables, joined from the case: no join-order search (core/db.py)
            case = whole_case(queryset if queryset is not None else Case.objects.all()).filter(pk=pk).first()
        if case is None:
            raise NotFound()
        return Response(serializer_class(case, context=self.get_serializer_context()).data, status=code)

    def _act(self, request: Request, serializer_class: type[serializers.Serializer],
             run: Callable[[Case, dict[str, Any]], Any]) -> Response:
        case = self.get_object()
        serializer = serializer_class(data=request.data, context={**self.get_serializer_context(), "case": case})
        serializer.is_valid(raise_exception=True)
        run(case, serializer.validated_data)
        return self._case_response(case.pk)

    # -----------------------------------------------------------------------------------------
    # Intake

    @extend_schema(
        summary="收件（窗口、乡镇、村、银行网点、自助终端）",
        description="同一用户的同一幂等键只建一件：首次返回 201，重复提交返回 200 和同一办件。"
                    "查询密码只在此响应中出现。",
        request=CaseCreateSerializer,
        responses={201: CaseCreatedSerializer, 200: CaseCreatedSerializer, **_ERRORS},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="幂等键（最长 80 字符），也可放在请求体 idempotency_key。")],
    )
    def create(self, request: Request) -> Response:
        if not request.user.has_perm("cases.intake_case"):
            raise PermissionDenied("只有窗口受理人员可以收件。")
        serializer = CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = (request.headers.get("Idempotency-Key") or data.get("idempotency_key") or "").strip()
        if len(key) > 80:
            raise serializers.ValidationError({"idempotency_key": ["幂等键最长 80 个字符。"]})
        result = services.receive_case(
            actor=request.user, item=data["item"], applicant=data["applicant"], centre=data["centre"],
            window=data.get("window"), channel=data.get("channel") or None,
            received_material_ids=data["received_material_ids"], agent_name=data["agent_name"].strip(),
            agent_cert_number=data["agent_cert_number"], agent_phone=data["agent_phone"],
            form_data=data["form_data"],
            # Scoped per user: one clerk's key can never return another clerk's case.
            idempotency_key=f"api:{request.user.pk}:{key}" if key else None,
        )
        if result.created and result.materials is not None and result.event is not None:
            # A case created by this request: every relation the response shows is already in memory (the item,
            # centre, applicant, guide and window the request named, the materials and event just written), so
            # it is serialised as it stands instead of being read back through an eleven-table query and five
            # prefetches (bench/intake.py: that re-read was 40 % of an intake). A test compares it with a GET.
            case = result.case
            _as_prefetched(result.event, attachments=[])
            _as_prefetched(case, events=[result.event], materials=result.materials, pauses=[], corrections=[])
            return Response(CaseCreatedSerializer(case, context=self.get_serializer_context()).data,
                            status=status.HTTP_201_CREATED)
        try:
            # Read back through the visible queryset: a replayed key must not show a case the clerk cannot see.
            return self._case_response(result.case.pk, CaseCreatedSerializer,
                                       status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
                                       queryset=Case.objects.visible_to(request.user))
        except NotFound:
            raise ConflictError("该幂等键已用于一件您现在无权查看的办件，请换一个键。") from None

    @_transition(CaseOpinionSerializer, "网上申请预审通过")
    @action(detail=True, methods=["post"], url_path="prereview-pass")
    def prereview_pass(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseOpinionSerializer, lambda case, d: services.prereview_pass(
            actor=request.user, case=case, opinion=d["opinion"], expected_version=d.get("expected_version")))

    @_transition(CaseAcceptSerializer, "受理（容缺受理时列出容缺材料和承诺日期）")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseAcceptSerializer, lambda case, d: services.accept_case(
            actor=request.user, case=case, pending={p["material_id"]: p["promised_by"] for p in d["pending"]},
            promise_text=d["promise_text"], opinion=d["opinion"], expected_version=d.get("expected_version")))

    @_transition(CaseRefuseSerializer, "不予受理")
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseRefuseSerializer, lambda case, d: services.refuse_case(
            actor=request.user, case=case, reason=d["reason"], redirect_to=d["redirect_to"],
            expected_version=d.get("expected_version")))

    @_transition(CaseRequestCorrectionSerializer, "一次性告知补正")
    @action(detail=True, methods=["post"], url_path="request-correction")
    def request_correction(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseRequestCorrectionSerializer, lambda case, d: services.request_correction(
            actor=request.user, case=case, items=[dict(i) for i in d["items"]], note=d["note"],
            expected_version=d.get("expected_version")))

    @_transition(CaseReceiveCorrectionSerializer, "补正材料已收")
    @action(detail=True, methods=["post"], url_path="receive-correction")
    def receive_correction(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseReceiveCorrectionSerializer, lambda case, d: services.receive_correction(
            actor=request.user, case=case, received_material_ids=d["received_material_ids"], opinion=d["opinion"],
            expected_version=d.get("expected_version")))

    # -----------------------------------------------------------------------------------------
    # Back office

    @_transition(CaseVersionedSerializer, "开始办理")
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseVersionedSerializer, lambda case, d: services.start_review(
            actor=request.user, case=case, expected_version=d.get("expected_version")))

    @_transition(CaseReviewSerializer, "承办 / 审核意见（分级审查）")
    @action(detail=True, methods=["post"])
    def review(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseReviewSerializer, lambda case, d: services.review_case(
            actor=request.user, case=case, opinion=d["opinion"], expected_version=d.get("expected_version")))

    @_transition(CaseStartSpecialSerializer, "启动特别程序（暂停计时）")
    @action(detail=True, methods=["post"], url_path="start-special")
    def start_special(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseStartSpecialSerializer, lambda case, d: services.start_special_procedure(
            actor=request.user, case=case, kind=d["kind"], reason=d["reason"],
            expected_version=d.get("expected_version")))

    @_transition(CaseEndSpecialSerializer, "结束特别程序（恢复计时）")
    @action(detail=True, methods=["post"], url_path="end-special")
    def end_special(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseEndSpecialSerializer, lambda case, d: services.end_special_procedure(
            actor=request.user, case=case, result=d["result"], expected_version=d.get("expected_version")))

    @_transition(CaseExtendSerializer, "延长审批期限（一次）")
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseExtendSerializer, lambda case, d: services.extend_deadline(
            actor=request.user, case=case, days=d["days"], reason=d["reason"],
            expected_version=d.get("expected_version")))

    @_transition(CaseDecideSerializer, "作出决定（准予 / 不予许可）")
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseDecideSerializer, lambda case, d: services.decide_case(
            actor=request.user, case=case, approve=d["approve"], opinion=d["opinion"],
            expected_version=d.get("expected_version")))

    @_transition(CaseFulfilPendingSerializer, "容缺材料补齐")
    @action(detail=True, methods=["post"], url_path="fulfil-pending")
    def fulfil_pending(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseFulfilPendingSerializer, lambda case, d: services.fulfil_pending_material(
            actor=request.user, case=case, material=d["material_id"], expected_version=d.get("expected_version")))

    @_transition(CaseDeliverSerializer, "送达")
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseDeliverSerializer, lambda case, d: services.deliver_case(
            actor=request.user, case=case, method=d["method"], waybill_number=d["waybill_number"],
            recipient=d["recipient"], expected_version=d.get("expected_version")))

    @_transition(CaseVersionedSerializer, "归档")
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseVersionedSerializer, lambda case, d: services.archive_case(
            actor=request.user, case=case, expected_version=d.get("expected_version")))

    @_transition(CaseReasonSerializer, "撤回申请（申请人本人或窗口人员）")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseReasonSerializer, lambda case, d: services.withdraw_case(
            actor=request.user, case=case, reason=d["reason"], expected_version=d.get("expected_version")))

    @_transition(CaseReasonSerializer, "撤销许可")
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, number: str | None = None) -> Response:
        return self._act(request, CaseReasonSerializer, lambda case, d: services.revoke_case(
            actor=request.user, case=case, reason=d["reason"], expected_version=d.get("expected_version")))

    # -----------------------------------------------------------------------------------------
    # Export

    @extend_schema(
        summary="导出办件（Excel 或 CSV，个人信息脱敏）",
        description="导出当前用户可见、按列表同样条件筛选的办件。需要“导出办件”权限（科室负责人、领导、系统管理员）。",
        parameters=[CaseExportQuerySerializer],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
            403: _ERRORS[403],
        },
        filters=True,
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> HttpResponse:
        if not request.user.has_perm("cases.export_case"):
            raise PermissionDenied("无权导出办件。")
        query = CaseExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cases = self.filter_queryset(self.get_queryset())[:_EXPORT_LIMIT].iterator(chunk_size=2000)
        output = query.validated_data["output"]
        rows = _CountingRows(_export_rows(cases))
        if output == "csv":
            body, content_type = _csv(rows), "text/csv; charset=utf-8"
        else:
            body, content_type = _xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        with transaction.atomic():
            # Who took which data out, and how much: part of the 等保 audit trail.
            filters = {k: v for k, v in request.query_params.items() if k != "output"}
            record_event(actor=request.user, action="cases_exported", object_type="cases.case", object_id="-",
                         summary=f"{rows.data_rows} 件 {output}", data={"filters": filters, "rows": rows.data_rows})
        response = HttpResponse(body, content_type=content_type)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.{output}"'
        return response


EXPORT_HEADER = ["办件编号", "事项名称", "事项实施编码", "申请人", "证件号码", "联系电话", "申请渠道", "收件中心",
                 "办理部门", "办理科室", "状态", "国家状态码", "收件时间", "受理时间", "承诺办结日期", "期限状态",
                 "办结时间", "是否按时办结"]


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with a quote (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _export_rows(cases: Iterable[Case]) -> Iterator[list[Any]]:
    """Rows for export: personal data always masked, whoever exports (the file leaves the system)."""
    yield EXPORT_HEADER
    for case in cases:
        applicant = case.applicant
        person = applicant.kind == ApplicantKind.PERSON
        on_time = case.is_on_time
        yield [_cell(v) for v in (
            case.number, case.item.name, case.item.implementation_code,
            mask_name(applicant.name) if person else applicant.name,
            applicant.masked_cert if person else applicant.cert_number,
            mask_phone(case.contact_phone), case.get_channel_display(), case.centre.name, case.department.name,
            case.section.name if case.section else "", case.get_status_display(), case.national_status,
            _when(case.received_at), _when(case.accepted_at), case.due_date.isoformat() if case.due_date else "",
            case.get_due_state_display(), _when(case.completed_at),
            "" if on_time is None else ("是" if on_time else "否"),
        )]


class _CountingRows:
    """Streams the rows through to the writer and counts the data rows for the audit record."""

    def __init__(self, rows: Iterator[list[Any]]):
        self._rows = rows
        self.data_rows = -1  # the header is not a case

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self._rows:
            self.data_rows += 1
            yield row


def _csv(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: Iterable[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("办件")
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
