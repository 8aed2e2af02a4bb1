"""Case API serializers.

Input serializers only check the shape of a request (types, required fields, known ids) and run the same
applicant validation the services run; every rule about *whether* a step may happen lives in services.py.
Output serializers return a whole case in one response and mask personal data for roles that do not need it.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from onewindow.catalog.models import ServiceItem
from onewindow.core.masking import mask_id_number, mask_phone
from onewindow.org.choices import Role
from onewindow.org.models import ServiceCentre, Window
from onewindow.org.roles import staff_roles

from ..choices import ApplicantKind, CertType, Channel, DeliveryMethod, DueState, SpecialProcedureKind
from ..models import Applicant, Case, CaseEvent, CaseFile, CaseMaterial, CasePause, CorrectionRequest
from ..services import ApplicantData

# ---------------------------------------------------------------------------------------------
# Who sees personal data


class PersonalDataAccess:
    """Decides per case whether the viewer sees full certificate numbers, phones and address.

    The applicant sees their own data. Clerks of the receiving or handling centre check identity at the window:
    they see full values of one case when they ask (``GET …/cases/<number>/?reveal=true``, audited as
    ``pii.reveal``), masked ones otherwise; approvers, leaders and liaisons always get masked values. One query per request,
    whatever the number of cases, so lists stay free of N+1.
    """

    def __init__(self, user: Any):
        self.user = user
        # Window staff get full values only after an explicit, audited reveal (``?reveal=true`` on one case).
        self.revealed = False

    @cached_property
    def clerk_centre_ids(self) -> frozenset[int]:
        if not self.user.is_authenticated:
            return frozenset()
        return frozenset(r.centre_id for r in staff_roles(self.user) if r.role == Role.CLERK)

    def full(self, case: Case) -> bool:
        user = self.user
        if not user.is_authenticated:
            return False
        if case.applicant.user_id == user.pk:
            return True  # the applicant's own data
        return self.revealed and self.window(case)

    def window(self, case: Case) -> bool:
        """Window staff of the case (they hand out receipts, so they keep the tracking code)."""
        user = self.user
        if not user.is_authenticated:
            return False
        return user.is_superuser or bool({case.centre_id, case.handling_centre_id} & self.clerk_centre_ids)


# Free text (opinions, form fields, event data) may hold an ID number or a phone typed by someone; the word
# boundaries keep the 21-digit case number from matching.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def scrub(value: Any) -> Any:
    """Mask ID numbers and mobile numbers found anywhere in a JSON-like value."""
    if isinstance(value, str):
        value = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), value)
        return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Output


class CaseCentreSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCentre
        fields = ["code", "name"]
        read_only_fields = fields


class CaseItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceItem
        fields = ["id", "implementation_code", "name", "case_kind", "review_mode"]
        read_only_fields = fields


class CaseApplicantSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    cert_number = serializers.CharField(read_only=True, help_text="完整号码仅对本中心窗口人员和申请人本人显示，其他角色为脱敏值。")
    phone = serializers.CharField(read_only=True, help_text="同上，按角色脱敏。")

    class Meta:
        model = Applicant
        fields = ["kind", "kind_display", "name", "cert_type", "cert_number", "phone", "address",
                  "legal_representative"]
        read_only_fields = fields


class CaseDeadlineSerializer(serializers.Serializer):
    """The clock of a case in one object: what the deadline column and the countdown need."""

    promised_days = serializers.IntegerField()
    extension_days = serializers.IntegerField()
    clock_start = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    warn_on = serializers.DateField(allow_null=True)
    provisional = serializers.BooleanField(source="due_provisional",
                                           help_text="期限涉及尚未公布放假安排的年份，按临时日历计算。")
    # DRF calls these model methods (no required arguments): the state is computed, never stored.
    due_state = serializers.ChoiceField(choices=DueState.choices)
    due_state_display = serializers.CharField(source="get_due_state_display")
    working_days_used = serializers.IntegerField(allow_null=True)
    on_time = serializers.BooleanField(source="is_on_time", allow_null=True)


class CaseAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseFile
        fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    attachments = CaseAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["action", "action_display", "from_status", "to_status", "actor_name", "at", "opinion", "data",
                  "attachments"]
        read_only_fields = fields


class CaseMaterialSerializer(serializers.ModelSerializer):
    material_id = serializers.IntegerField(source="guide_material_id", read_only=True,
                                           help_text="指南材料编号：受理、补正、容缺补齐时用它指代材料。")
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CaseMaterial
        fields = ["material_id", "name", "kind", "necessity", "status", "status_display", "promised_by",
                  "fulfilled_at", "note"]
        read_only_fields = fields


class CasePauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = CasePause
        fields = ["kind", "special_kind", "started_on", "ended_on", "reason", "result", "counts_for_clock"]
        read_only_fields = fields


class CaseCorrectionSerializer(serializers.ModelSerializer):
    items = serializers.ListField(child=serializers.DictField(child=serializers.CharField()), read_only=True)

    class Meta:
        model = CorrectionRequest
        fields = ["requested_at", "items", "note", "before_acceptance", "received_at"]
        read_only_fields = fields


class _MaskingMixin:
    """Masks the personal fields of a serialized case unless the viewer is entitled to them."""

    context: dict[str, Any]

    def _access(self) -> PersonalDataAccess:
        access = self.context.get("access")
        if access is None:
            request = self.context.get("request")
            access = PersonalDataAccess(getattr(request, "user", None))
            self.context["access"] = access
        return access

    def _mask(self, case: Case, data: dict[str, Any]) -> dict[str, Any]:
        access = self._access()
        if access.full(case):
            return data
        applicant = data.get("applicant")
        if applicant:
            # An enterprise's credit code is public (it is printed on its licence); a person's ID number is not.
            if case.applicant.kind == ApplicantKind.PERSON:
                applicant["cert_number"] = case.applicant.masked_cert
            applicant["phone"] = case.applicant.masked_phone
            if "address" in applicant:
                applicant["address"] = case.applicant.masked_address
        for field, mask in (("contact_phone", mask_phone), ("agent_cert_number", mask_id_number),
                            ("agent_phone", mask_phone)):
            if field in data:
                data[field] = mask(data[field])
        for field in ("form_data", "events", "corrections", "decision_opinion", "refusal_reason", "pauses",
                      "materials"):
            if field in data:
                data[field] = scrub(data[field])
        if "tracking_code" in data and not access.window(case):
            data["tracking_code"] = None
        return data


class CaseListSerializer(_MaskingMixin, serializers.ModelSerializer):
    """One row of a case list: status, item, applicant (masked by role) and the deadline."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    item = CaseItemSerializer(read_only=True)
    applicant = CaseApplicantSerializer(read_only=True)
    centre = CaseCentreSerializer(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    section_name = serializers.CharField(source="section.name", read_only=True, allow_null=True, default=None)
    deadline = CaseDeadlineSerializer(source="*", read_only=True)

    class Meta:
        model = Case
        fields = ["number", "version", "status", "status_display", "national_status", "item", "applicant",
                  "channel", "centre", "department_name", "section_name", "received_at", "accepted_at",
                  "completed_at", "deadline"]
        read_only_fields = fields

    def to_representation(self, instance: Case) -> dict[str, Any]:
        return self._mask(instance, super().to_representation(instance))


class CaseWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Window
        fields = ["id", "number", "name"]
        read_only_fields = fields


class CaseDetailSerializer(CaseListSerializer):
    """A whole case in one response: what the case screen needs, built from a fixed number of queries."""

    handling_centre = CaseCentreSerializer(read_only=True)
    window = CaseWindowSerializer(read_only=True, allow_null=True)
    guide_version = serializers.IntegerField(source="guide.number", read_only=True)
    clerk_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    tracking_code = serializers.CharField(read_only=True, allow_null=True,
                                          help_text="查询码：仅本中心窗口人员和申请人本人可见，其他角色为 null。")
    events = CaseEventSerializer(many=True, read_only=True)
    materials = CaseMaterialSerializer(many=True, read_only=True)
    pauses = CasePauseSerializer(many=True, read_only=True)
    corrections = CaseCorrectionSerializer(many=True, read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "tracking_code", "guide_version", "agent_name",
                  "agent_cert_number", "agent_phone", "contact_phone", "form_data", "window", "handling_centre",
                  "clerk_name", "assignee_name", "review_stage", "has_pending_materials", "visits",
                  "delivered_at", "delivery_method", "waybill_number", "archived_at", "decision_opinion",
                  "refusal_reason", "refusal_redirect", "events", "materials", "pauses", "corrections"]
        read_only_fields = fields

    def get_clerk_name(self, case: Case) -> str:
        return (case.clerk.first_name or case.clerk.get_username()) if case.clerk else ""

    def get_assignee_name(self, case: Case) -> str:
        return (case.assignee.first_name or case.assignee.get_username()) if case.assignee else ""


class CaseCreatedSerializer(CaseDetailSerializer):
    """The intake response: the only place the query password is ever returned (for the receipt)."""

    query_password = serializers.CharField(read_only=True, help_text="查询密码，仅在收件时返回一次，用于打印回执。")

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "query_password"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------
# Input


class CaseVersionedSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="乐观并发：客户端看到的办件版本号；办件已被他人修改时返回 409。",
    )


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}],
                      "description": "事项 id，或事项实施编码"})
class ItemField(serializers.Field):
    default_error_messages = {"unknown": "事项不存在：{value}", "invalid": "请填写事项 id 或实施编码。"}

    def to_internal_value(self, data: Any) -> ServiceItem:
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).strip():
            self.fail("invalid")
        value = str(data).strip()
        query = Q(implementation_code=value)
        if value.isdigit() and len(value) <= 18:
            query |= Q(pk=int(value))
        item = ServiceItem.objects.select_related("department", "section").filter(query).first()
        if item is None:
            self.fail("unknown", value=value[:60])
        return item

    def to_representation(self, value: ServiceItem) -> int:
        return value.pk


class CaseApplicantInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApplicantKind.choices)
    name = serializers.CharField(max_length=200)
    cert_type = serializers.ChoiceField(choices=CertType.choices)
    cert_number = serializers.CharField(max_length=40)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    legal_representative = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> ApplicantData:
        data = ApplicantData(**attrs)
        try:
            data.validate()  # the very checks the service runs: ID checksum, credit code, phone format
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return data


class PhoneField(serializers.CharField):
    def __init__(self, **kwargs: Any):
        from onewindow.core.validators import validate_phone

        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)
        self.validators.append(_django_validator(validate_phone))


def _django_validator(func: Any) -> Any:
    def run(value: Any) -> None:
        try:
            func(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc

    return run


class CaseCreateSerializer(serializers.Serializer):
    """收件 at a window or a township/village centre."""

    item = ItemField()
    applicant = CaseApplicantInputSerializer()
    centre = serializers.SlugRelatedField(slug_field="code", queryset=ServiceCentre.objects.all(),
                                          help_text="收件中心编码")
    window = serializers.PrimaryKeyRelatedField(queryset=Window.objects.all(), required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_null=True,
                                      help_text="缺省按收件中心层级推定（窗口、乡镇、村、银行网点、自助终端）。")
    received_material_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                                  default=list, max_length=200)
    agent_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    agent_cert_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    agent_phone = PhoneField()
    form_data = serializers.DictField(required=False, default=dict)
    idempotency_key = serializers.CharField(max_length=80, required=False, allow_blank=True,
                                            help_text="也可用请求头 Idempotency-Key；同一用户的同一键只建一件。")

    def validate_agent_cert_number(self, value: str) -> str:
        from onewindow.core.validators import validate_id_number

        value = value.strip().upper()
        if value:
            _django_validator(validate_id_number)(value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("agent_name", "").strip() and not attrs.get("agent_cert_number"):
            raise serializers.ValidationError({"agent_cert_number": ["代理办理需要登记代理人身份证号码。"]})
        return attrs


class CasePendingMaterialSerializer(serializers.Serializer):
    material_id = serializers.IntegerField(min_value=1)
    promised_by = serializers.DateField()


class CaseAcceptSerializer(CaseVersionedSerializer):
    pending = CasePendingMaterialSerializer(many=True, required=False, default=list,
                                        help_text="容缺受理：容缺材料及申请人承诺补齐的日期。")
    promise_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    opinion = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_pending(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [p["material_id"] for p in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("同一材料不能重复填写。")
        return value


def _required_text(max_length: int = 2000, **kwargs: Any) -> serializers.CharField:
    # CharField trims whitespace, so "   " is reported as blank.
    return serializers.CharField(max_length=max_length, **kwargs)


class CaseRefuseSerializer(CaseVersionedSerializer):
    reason = _required_text(help_text="不予受理的理由（书面告知申请人）。")
    redirect_to = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                        help_text="告知申请人向哪个机关申请。")


class CaseCorrectionItemSerializer(serializers.Serializer):
    material = serializers.CharField(max_length=200)
    problem = serializers.CharField(max_length=300)


class CaseRequestCorrectionSerializer(CaseVersionedSerializer):
    items = CaseCorrectionItemSerializer(many=True, allow_empty=False, max_length=100)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MaterialIdsMixin:
    """Checks material ids against the case's own material list (the case comes in the context)."""

    context: dict[str, Any]

    def _known_material_ids(self) -> set[int]:
        case: Case = self.context["case"]
        return {m.guide_material_id for m in case.materials.all() if m.guide_material_id is not None}


class CaseReceiveCorrectionSerializer(MaterialIdsMixin, CaseVersionedSerializer):
    received_material_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                                  default=list, max_length=200)
    opinion = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_received_material_ids(self, value: list[int]) -> list[int]:
        unknown = sorted(set(value) - self._known_material_ids())
        if unknown:
            raise serializers.ValidationError(f"材料不属于该办件：{unknown}")
        return value


class CaseOpinionSerializer(CaseVersionedSerializer):
    opinion = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CaseReviewSerializer(CaseVersionedSerializer):
    opinion = _required_text(help_text="承办或审核意见。")


class CaseStartSpecialSerializer(CaseVersionedSerializer):
    kind = serializers.ChoiceField(choices=SpecialProcedureKind.choices)
    reason = _required_text(help_text="启动特别程序的原因（书面告知申请人）。")


class CaseEndSpecialSerializer(CaseVersionedSerializer):
    result = _required_text(help_text="特别程序的结果。")


class CaseExtendSerializer(CaseVersionedSerializer):
    days = serializers.IntegerField(min_value=1, max_value=15)
    reason = _required_text()


class CaseDecideSerializer(CaseVersionedSerializer):
    approve = serializers.BooleanField(help_text="true 准予许可，false 不予许可。")
    opinion = _required_text()


class CaseDeliverSerializer(CaseVersionedSerializer):
    method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    waybill_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    recipient = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CaseReasonSerializer(CaseVersionedSerializer):
    reason = _required_text()


class CaseFulfilPendingSerializer(MaterialIdsMixin, CaseVersionedSerializer):
    material_id = serializers.IntegerField(min_value=1, help_text="指南材料编号（见办件 materials[].material_id）。")

    def validate_material_id(self, value: int) -> CaseMaterial:
        case: Case = self.context["case"]
        material = next((m for m in case.materials.all() if m.guide_material_id == value), None)
        if material is None:
            raise serializers.ValidationError(f"材料不属于该办件：{value}")
        return material


class CaseExportQuerySerializer(serializers.Serializer):
    output = serializers.ChoiceField(choices=[("xlsx", "Excel"), ("csv", "CSV")], required=False, default="xlsx")

