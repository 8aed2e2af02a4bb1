"""Hall API: queue status and ticket issue for kiosks and third-party screens, a ticket's status, open slots,
booking and cancelling. Thin: serializers check shapes, services decide; errors come back as 400/403/409
with the services' messages (onewindow.core.api.exception_handler)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from onewindow.catalog.models import ServiceItem
from onewindow.core import clock
from onewindow.org.models import ServiceCentre

from .. import services
from ..choices import TicketSource, TicketStatus
from ..models import Appointment, AppointmentSlot, Call, QueueCategory, Ticket


def _centre(code: str) -> ServiceCentre:
    return get_object_or_404(ServiceCentre.objects.active(), code=code)


class TicketOut(serializers.Serializer):
    code = serializers.CharField()
    token = serializers.CharField(help_text="号票二维码指向 /hall/t/<token>/（查询进度、评价）")
    category = serializers.CharField(source="category.prefix")
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    priority = serializers.CharField()
    issued_at = serializers.DateTimeField()
    window = serializers.SerializerMethodField()
    ahead = serializers.SerializerMethodField()
    estimated_minutes = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_window(self, obj: Ticket) -> str | None:
        return obj.window.window.number if obj.window_id and obj.status != TicketStatus.WAITING else None

    def _estimate(self, obj: Ticket) -> Any:
        cache = self.context.setdefault("estimates", {})
        if obj.pk not in cache:
            cache[obj.pk] = services.estimate_wait(obj)
        return cache[obj.pk]

    def get_ahead(self, obj: Ticket) -> int:
        return int(self._estimate(obj).ahead)

    def get_estimated_minutes(self, obj: Ticket) -> int:
        return int(self._estimate(obj).minutes)

    def get_url(self, obj: Ticket) -> str:
        request = self.context.get("request")
        path = reverse("hall:ticket", args=[obj.token])
        return request.build_absolute_uri(path) if request else path


class TicketIn(serializers.Serializer):
    category = serializers.CharField(help_text="取号类别字头，如 A")
    cert_number = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text="可选：身份证号或统一社会信用代码（只保存加密索引）")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    needs_priority = serializers.BooleanField(required=False, default=False, help_text="老年人、残疾人等优先")


class QueueView(APIView):
    """A centre's queue now: waiting per category and the latest calls (for third-party screens)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(responses=inline_serializer("HallQueue", {
        "centre": serializers.CharField(), "categories": serializers.ListField(child=serializers.DictField()),
        "calls": serializers.ListField(child=serializers.DictField())}))
    def get(self, request: Request, code: str) -> Response:
        centre = _centre(code)
        today = clock.today()
        waiting = dict(Ticket.objects.filter(centre=centre, day=today, status=TicketStatus.WAITING)
                       .values_list("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
        categories = [{"prefix": c.prefix, "name": c.name, "waiting": waiting.get(c.pk, 0)}
                      for c in QueueCategory.objects.filter(centre=centre, is_active=True).order_by("order", "prefix")]
        calls = [{"id": c.pk, "code": c.ticket.code, "window": c.window.window.number, "text": c.text, "at": c.at,
                  "recall": c.is_recall}
                 for c in Call.objects.filter(centre=centre, ticket__day=today)
                 .select_related("ticket", "window__window").order_by("-id")[:10]]
        return Response({"centre": centre.code, "categories": categories, "calls": calls})


class IssueTicketView(APIView):
    """取号 for a kiosk device or a partner app: always issues a walk-in ticket (no booking needed)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(request=TicketIn, responses={201: TicketOut})
    def post(self, request: Request, code: str) -> Response:
        centre = _centre(code)
        data = TicketIn(data=request.data)
        data.is_valid(raise_exception=True)
        category = QueueCategory.objects.filter(centre=centre, prefix=data.validated_data["category"].upper(),
                                                is_active=True).first()
        if category is None:
            raise serializers.ValidationError({"category": ["本中心没有该取号类别。"]})
        ticket = services.issue_ticket(
            actor=request.user, category=category, cert_number=data.validated_data["cert_number"],
            phone=data.validated_data["phone"], needs_priority=data.validated_data["needs_priority"],
            source=TicketSource.API)
        return Response(TicketOut(ticket, context={"request": request}).data, status=status.HTTP_201_CREATED)


class TicketStatusView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(responses=TicketOut)
    def get(self, request: Request, token: str) -> Response:
        ticket = get_object_or_404(Ticket.objects.select_related("category", "window__window"), token=token[:32])
        return Response(TicketOut(ticket, context={"request": request}).data)


class SlotOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    day = serializers.DateField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    free = serializers.IntegerField()


class SlotsView(APIView):
    """Open slots for an item at a centre (bookable days only; full slots listed with free = 0)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    @extend_schema(responses=SlotOut(many=True))
    def get(self, request: Request, code: str) -> Response:
        centre = _centre(code)
        try:
            item = ServiceItem.objects.published().get(pk=int(request.query_params.get("item", "0")))
        except (ValueError, ServiceItem.DoesNotExist) as exc:
            raise serializers.ValidationError({"item": ["请指定可预约的事项（item=事项ID）。"]}) from exc
        categories = services.categories_for_item(centre, item)
        if not categories or not item.supports_appointment:
            raise serializers.ValidationError({"item": ["该事项在本中心不能预约。"]})
        slots = [s for _day, day_slots in services.open_slots(categories[0]) for s in day_slots]
        return Response(SlotOut(slots, many=True).data)


class AppointmentIn(serializers.Serializer):
    slot = serializers.IntegerField()
    item = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    cert_number = serializers.CharField(max_length=30)
    phone = serializers.CharField(max_length=20)


class AppointmentOut(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    day = serializers.DateField()
    slot = serializers.CharField(source="slot.label")
    centre = serializers.CharField(source="centre.code")
    item = serializers.IntegerField(source="item_id")


class BookView(APIView):
    """预约 for the logged-in applicant (or hall staff booking for one)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=AppointmentIn, responses={201: AppointmentOut})
    def post(self, request: Request) -> Response:
        data = AppointmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        slot = get_object_or_404(AppointmentSlot, pk=data.validated_data["slot"])
        item = get_object_or_404(ServiceItem, pk=data.validated_data["item"])
        appointment = services.book_appointment(
            actor=request.user, slot=slot, item=item, name=data.validated_data["name"],
            cert_number=data.validated_data["cert_number"], phone=data.validated_data["phone"], source="api")
        return Response(AppointmentOut(appointment).data, status=status.HTTP_201_CREATED)


class CancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=inline_serializer("CancelIn", {"reason": serializers.CharField(required=False)}),
                   responses=AppointmentOut)
    def post(self, request: Request, code: str) -> Response:
        appointment = get_object_or_404(Appointment, code=code[:12])
        result = services.cancel_appointment(actor=request.user, appointment=appointment,
                                             reason=str(request.data.get("reason", ""))[:200])
        return Response(AppointmentOut(result).data)
