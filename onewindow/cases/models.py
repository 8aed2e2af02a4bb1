from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from onewindow.core.pii import EncryptedCharField

from .choices import (
    CLOCK_STATUSES,
    DONE_STATUSES,
    NATIONAL_STATUS_CODE,
    Action,
    ApplicantKind,
    CertType,
    Channel,
    DeliveryMethod,
    DueState,
    MaterialStatus,
    PauseKind,
    ReviewStage,
    SpecialProcedureKind,
    Status,
)


class Applicant(models.Model):
    """A person or an enterprise that applies. Found again by certificate through a keyed hash (blind index)."""

    kind = models.CharField(_("申请人类型"), max_length=12, choices=ApplicantKind.choices)
    name = models.CharField(_("姓名或名称"), max_length=200)
    cert_type = models.CharField(_("证件类型"), max_length=3, choices=CertType.choices)
    cert_number = EncryptedCharField(_("证件号码"), max_length=40)
    cert_index = models.CharField(max_length=64, unique=True, editable=False)
    phone = EncryptedCharField(_("联系电话"), max_length=20, blank=True)
    address = EncryptedCharField(_("地址"), max_length=200, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("网上账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="applicants")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请人")
        verbose_name_plural = _("申请人")

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return self.name if self.kind == ApplicantKind.ENTERPRISE else mask_name(self.name)

    @property
    def masked_cert(self) -> str:
        return mask_id_number(self.cert_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_address(self) -> str:
        return mask_address(self.address)


class ApplicantAccount(models.Model):
    """The phone number an applicant account was registered with, encrypted. The username holds only the
    phone's blind index (``p:<HMAC-SM3>``), so auth_user has no plain mobile numbers either."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applicant_account")
    phone = EncryptedCharField(_("手机号码"), max_length=20)

    class Meta:
        verbose_name = _("申请人账号")
        verbose_name_plural = _("申请人账号")

    def __str__(self) -> str:
        return mask_phone(self.phone)


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        from .permissions import case_scope_filter

        return self.filter(case_scope_filter(user))

    def with_due_state(self, state: str, today: dt.date | None = None) -> CaseQuerySet:
        today = today or timezone.localdate()
        clock = self.filter(status__in=[Status.ACCEPTED, Status.IN_REVIEW])
        if state == DueState.OVERDUE:
            return clock.filter(due_date__lt=today)
        if state == DueState.WARNING:
            return clock.filter(warn_on__lte=today, due_date__gte=today)
        if state == DueState.NORMAL:
            return clock.filter(Q(warn_on__gt=today) | Q(warn_on__isnull=True), due_date__gte=today)
        if state == DueState.PAUSED:
            return self.filter(status__in=[Status.CORRECTION, Status.SPECIAL], accepted_at__isnull=False)
        if state == DueState.DONE:
            return self.filter(status__in=DONE_STATUSES)
        return self

    def for_list(self) -> CaseQuerySet:
        return self.select_related("item", "applicant", "centre", "section", "department")

    def for_table(self) -> CaseQuerySet:
        """for_list() narrowed to the columns the staff case table shows. A full row of the five joined tables
        is ~10 kB (the item's guide texts, the case's form data) and decrypts six personal-data fields per row;
        bench/caselist.py found that fetching and building them was a third of the page."""
        return self.for_list().only(
            "id", "number", "status", "has_pending_materials", "received_at", "accepted_at", "completed_at",
            "due_date", "due_provisional", "warn_on", "centre_id", "handling_centre_id", "item_id", "applicant_id",
            "section_id", "department_id", "item__name", "applicant__name", "applicant__kind", "centre__name",
            "section__name", "department__name",
        )


class Case(models.Model):
    """A case (办件): one application for one item, from intake to archive."""

    number = models.CharField(_("办件编号"), max_length=50, unique=True)
    tracking_code = models.CharField(_("查询码"), max_length=32, unique=True, editable=False)
    query_password = models.CharField(_("查询密码"), max_length=6, editable=False)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)

    item = models.ForeignKey("catalog.ServiceItem", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="cases")
    guide = models.ForeignKey("catalog.GuideVersion", verbose_name=_("指南版本"), on_delete=models.PROTECT,
                              related_name="cases")
    applicant = models.ForeignKey(Applicant, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="cases")
    agent_name = models.CharField(_("代理人"), max_length=100, blank=True)
    agent_cert_number = EncryptedCharField(_("代理人证件号码"), max_length=40, blank=True)
    agent_phone = EncryptedCharField(_("代理人电话"), max_length=20, blank=True)
    contact_phone = EncryptedCharField(_("联系电话"), max_length=20, blank=True)
    form_data = models.JSONField(_("申请表"), default=dict, blank=True)

    channel = models.CharField(_("申请渠道"), max_length=12, choices=Channel.choices)
    centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("收件中心"), on_delete=models.PROTECT,
                               related_name="received_cases")
    window = models.ForeignKey("org.Window", verbose_name=_("收件窗口"), null=True, blank=True, on_delete=models.PROTECT)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="received_cases")
    department = models.ForeignKey("org.Department", verbose_name=_("办理部门"), on_delete=models.PROTECT)
    section = models.ForeignKey("org.Section", verbose_name=_("办理科室"), null=True, blank=True, on_delete=models.PROTECT)
    handling_centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("办理中心"), on_delete=models.PROTECT,
                                        related_name="handled_cases")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assigned_cases")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, db_index=True)
    review_stage = models.CharField(_("审查环节"), max_length=10, choices=ReviewStage.choices, blank=True)
    has_pending_materials = models.BooleanField(_("有容缺材料"), default=False)

    received_at = models.DateTimeField(_("收件时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    clock_start = models.DateField(_("计时起点"), null=True, blank=True)
    promised_days = models.PositiveSmallIntegerField(_("承诺时限"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("延长工作日"), default=0)
    due_date = models.DateField(_("承诺办结日期"), null=True, blank=True, db_index=True)
    warn_on = models.DateField(_("预警日期"), null=True, blank=True)
    due_provisional = models.BooleanField(_("期限按临时日历"), default=False)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    working_days_used = models.PositiveSmallIntegerField(_("实际用时（工作日）"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivery_method = models.CharField(_("送达方式"), max_length=12, choices=DeliveryMethod.choices, blank=True)
    waybill_number = models.CharField(_("运单号"), max_length=40, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    visits = models.PositiveSmallIntegerField(_("到现场次数"), default=0)
    decision_opinion = models.TextField(_("决定意见"), blank=True)
    refusal_reason = models.TextField(_("不予受理理由"), blank=True)
    refusal_redirect = models.CharField(_("告知申请途径"), max_length=300, blank=True)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["section", "status", "due_date"]),
            models.Index(fields=["centre", "status", "received_at"]),
            models.Index(fields=["applicant", "received_at"]),
            # The staff list's default order: without it a page sorts every visible case (bench/caselist.py).
            models.Index(fields=["-received_at", "-id"], name="cases_case_list_order"),
        ]
        permissions = [
            ("intake_case", _("窗口收件受理")),
            ("review_case", _("审查决定")),
            ("export_case", _("导出办件")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def national_status(self) -> str:
        return NATIONAL_STATUS_CODE[Status(self.status)]

    def due_state(self, today: dt.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status in DONE_STATUSES or self.completed_at:
            return DueState.DONE
        if self.status in (Status.CORRECTION, Status.SPECIAL) and self.accepted_at:
            return DueState.PAUSED
        if self.status not in CLOCK_STATUSES or self.due_date is None:
            return DueState.NONE
        if today > self.due_date:
            return DueState.OVERDUE
        if self.warn_on and today >= self.warn_on:
            return DueState.WARNING
        return DueState.NORMAL

    def get_due_state_display(self) -> str:
        return str(DueState(self.due_state()).label)

    @property
    def is_on_time(self) -> bool | None:
        if not self.completed_at or not self.due_date:
            return None
        return timezone.localtime(self.completed_at).date() <= self.due_date

    @property
    def at_most_once(self) -> bool:
        return self.visits <= 1


class CaseNumberSequence(models.Model):
    """Per-prefix daily counter for readable case numbers; incremented with a conditional UPDATE."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class CaseEvent(models.Model):
    """Append-only history of a case: every step with actor, time, opinion and attachments."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("动作"), max_length=24, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("操作人姓名"), max_length=100, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    opinion = models.TextField(_("意见"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    attachments: models.ManyToManyField[Any, Any] = models.ManyToManyField("CaseFile", verbose_name=_("附件"), blank=True, related_name="events")

    class Meta:
        verbose_name = _("办件环节")
        verbose_name_plural = _("办件环节")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class CaseMaterial(models.Model):
    """One material of a case, from the guide's list: received, pending under a written promise (容缺), or missing."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    guide_material_id = models.PositiveIntegerField(_("指南材料"), null=True, blank=True)
    name = models.CharField(_("材料名称"), max_length=200)
    kind = models.CharField(_("材料种类"), max_length=60, blank=True)
    necessity = models.CharField(_("必要性"), max_length=12)
    status = models.CharField(_("收取情况"), max_length=12, choices=MaterialStatus.choices, default=MaterialStatus.MISSING)
    promised_by = models.DateField(_("承诺补齐日期"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("补齐时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


def case_upload_path(instance: CaseFile, filename: str) -> str:
    # Random names: the file name never carries personal data and cannot be guessed.
    import secrets

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"cases/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class CaseFile(models.Model):
    """An uploaded file, stored once and referenced by every later step that needs it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="files")
    material = models.ForeignKey(CaseMaterial, null=True, blank=True, on_delete=models.SET_NULL, related_name="files")
    file = models.FileField(upload_to=case_upload_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办件附件")
        verbose_name_plural = _("办件附件")

    def __str__(self) -> str:
        return self.original_name


class CasePause(models.Model):
    """An interval during which the clock stops (correction with the pause rule, special procedures)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("类型"), max_length=12, choices=PauseKind.choices)
    special_kind = models.CharField(_("特别程序种类"), max_length=20, choices=SpecialProcedureKind.choices, blank=True)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    result = models.TextField(_("结果"), blank=True)
    counts_for_clock = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("暂停计时")
        verbose_name_plural = _("暂停计时")
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}–{self.ended_on or ''}"


class CaseVisit(models.Model):
    """One on-site interaction of the applicant (最多跑一次 counts these)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visit_records")
    at = models.DateTimeField(default=timezone.now)
    centre = models.ForeignKey("org.ServiceCentre", on_delete=models.PROTECT)
    purpose = models.CharField(max_length=24, choices=Action.choices)

    class Meta:
        verbose_name = _("到现场记录")
        verbose_name_plural = _("到现场记录")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.purpose} {self.at:%Y-%m-%d}"


class CorrectionRequest(models.Model):
    """A one-time correction notice (一次性告知): everything that must be corrected, listed at once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(default=list)  # [{"material": name, "problem": text}]
    note = models.TextField(blank=True)
    before_acceptance = models.BooleanField(default=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.case_id} 补正 {self.requested_at:%Y-%m-%d}"
