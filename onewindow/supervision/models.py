from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import EscalationLevel, FeedbackKind, HandoffAction, HandoffKind, HandoffStatus

# ---------------------------------------------------------------------------------------------
# Configuration


class SupervisionAssignment(models.Model):
    """Which department supervises an item after approval (一个事项可有多个监管部门)."""

    item = models.ForeignKey("catalog.ServiceItem", verbose_name=_("事项"), on_delete=models.CASCADE,
                             related_name="supervision_assignments")
    department = models.ForeignKey("org.Department", verbose_name=_("监管部门"), on_delete=models.PROTECT,
                                   related_name="supervised_items")
    note = models.CharField(_("监管职责说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("事项监管部门")
        verbose_name_plural = _("事项监管部门")
        ordering = ["item", "department__order"]
        constraints = [models.UniqueConstraint(fields=["item", "department"], name="supervision_item_dept_unique")]

    def __str__(self) -> str:
        return f"{self.item} → {self.department}"


class RegistrationItem(models.Model):
    """An item that is a business registration (企业设立登记 …): 双告知 applies at its acceptance."""

    item = models.OneToOneField("catalog.ServiceItem", verbose_name=_("事项"), on_delete=models.CASCADE,
                                related_name="registration_config")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("登记类事项（双告知）")
        verbose_name_plural = _("登记类事项（双告知）")

    def __str__(self) -> str:
        return str(self.item)


_SPLIT = re.compile(r"[\s,，、;；]+")


class PermitRule(models.Model):
    """One line of the 双告知 catalogue: a business-scope category (and its keywords) → a post-registration
    permit (an item of our catalog, or a permit named in words) and the departments competent for it."""

    category = models.CharField(_("经营范围类别"), max_length=100)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True,
                                help_text=_("经营范围中出现任一关键词即适用；以空格、逗号或顿号分隔。类别名称本身也参与匹配。"))
    permit_item = models.ForeignKey("catalog.ServiceItem", verbose_name=_("后置许可事项"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    permit_name = models.CharField(_("许可名称"), max_length=200, blank=True,
                                   help_text=_("目录外的许可，或与事项名称不同的称呼。"))
    departments = models.ManyToManyField("org.Department", verbose_name=_("主管部门"), blank=True, related_name="+",
                                         help_text=_("留空时取后置许可事项的实施部门；两者都没有时推送到认领池。"))
    legal_basis = models.CharField(_("设定依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("双告知目录")
        verbose_name_plural = _("双告知目录")
        ordering = ["order", "category"]

    def __str__(self) -> str:
        return f"{self.category} → {self.permit_title}"

    @property
    def permit_title(self) -> str:
        return self.permit_name or (self.permit_item.name if self.permit_item is not None else "")

    def clean(self) -> None:
        if not self.permit_item_id and not self.permit_name.strip():
            raise ValidationError({"permit_name": _("请选择后置许可事项或填写许可名称。")})

    def terms(self) -> list[str]:
        return [t for t in [self.category.strip(), *_SPLIT.split(self.keywords or "")] if t]

    def matches(self, scope: str) -> bool:
        return any(term in scope for term in self.terms())


class RegistrationNotice(models.Model):
    """The 双告知书 given at the acceptance of a registration, and the applicant's signed promise not to operate
    before obtaining the permits it lists. The matched permits are a snapshot: later catalogue edits do not
    change what the applicant was told."""

    case = models.OneToOneField("cases.Case", verbose_name=_("办件"), on_delete=models.PROTECT,
                                related_name="registration_notice")
    business_scope = models.TextField(_("申报经营范围"), blank=True)
    permits = models.JSONField(_("须办理的后置许可"), default=list, blank=True)
    issued_at = models.DateTimeField(_("告知时间"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    promise_signed_at = models.DateTimeField(_("承诺签署时间"), null=True, blank=True)
    promise_signer = models.CharField(_("承诺签署人"), max_length=100, blank=True)
    promise_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    pushed_at = models.DateTimeField(_("推送主管部门时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双告知记录")
        verbose_name_plural = _("双告知记录")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"双告知 {self.case_id}"

    @property
    def promise_signed(self) -> bool:
        return self.promise_signed_at is not None


# ---------------------------------------------------------------------------------------------
# Handoffs


class HandoffQuerySet(models.QuerySet["Handoff"]):
    def visible_to(self, user: Any) -> HandoffQuerySet:
        from .permissions import handoff_scope_filter

        return self.filter(handoff_scope_filter(user))

    def pool(self) -> HandoffQuerySet:
        return self.filter(department__isnull=True, status=HandoffStatus.PENDING)

    def overdue(self, today: dt.date) -> HandoffQuerySet:
        return self.filter(status=HandoffStatus.PENDING, claim_due__lt=today)

    def for_list(self) -> HandoffQuerySet:
        return self.select_related("case", "case__item", "case__applicant", "case__department", "department")


class Handoff(models.Model):
    """A decision (or registration) pushed to one supervising department, which must claim it (认领) within
    the claim deadline and send back supervision feedback. `department` NULL = the pool (department unclear).

    Created in the decision's own transaction, so no decision exists without its handoffs."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), on_delete=models.PROTECT,
                             related_name="supervision_handoffs")
    kind = models.CharField(_("类型"), max_length=16, choices=HandoffKind.choices)
    department = models.ForeignKey("org.Department", verbose_name=_("监管部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="handoffs")
    status = models.CharField(_("状态"), max_length=8, choices=HandoffStatus.choices, default=HandoffStatus.PENDING)
    summary = models.CharField(_("摘要"), max_length=300)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    # One handoff per (case, kind, department, reference): a repeated signal or retried step adds nothing.
    dedupe_key = models.CharField(max_length=120, unique=True, editable=False)
    created_at = models.DateTimeField(_("推送时间"), default=timezone.now, db_index=True)
    claim_due = models.DateField(_("认领期限"))
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("认领人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    claimed_from_pool = models.BooleanField(_("从认领池认领"), default=False)
    claimed_on_time = models.BooleanField(_("按期认领"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(_("催办"), choices=EscalationLevel.choices,
                                                  default=EscalationLevel.NONE)
    escalated_at = models.DateTimeField(_("最近催办"), null=True, blank=True)

    objects = HandoffQuerySet.as_manager()

    class Meta:
        verbose_name = _("审管联动")
        verbose_name_plural = _("审管联动")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status", "claim_due"]),
            # The escalation sweep and the overdue counts only look at unclaimed rows.
            models.Index(fields=["claim_due"], condition=Q(status="pending"), name="handoff_pending_due_idx"),
        ]
        permissions = [("claim_handoff", _("认领审管联动并反馈"))]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} → {self.department or _('认领池')}"

    @property
    def in_pool(self) -> bool:
        return self.department_id is None

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == HandoffStatus.PENDING and today > self.claim_due


class HandoffEvent(models.Model):
    """Append-only history of a handoff: pushed, reminded, escalated, claimed, answered, closed."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=16, choices=HandoffAction.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("审管联动环节")
        verbose_name_plural = _("审管联动环节")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.handoff_id} {self.action}"


class HandoffFeedback(models.Model):
    """Supervision feedback: visits, findings, follow-up; credit and punishment information and licence
    changes pushed back for the approver's reference (shown on this case and the applicant's later cases)."""

    handoff = models.ForeignKey(Handoff, on_delete=models.PROTECT, related_name="feedback")
    kind = models.CharField(_("反馈类型"), max_length=16, choices=FeedbackKind.choices)
    text = models.TextField(_("内容"))
    visit_date = models.DateField(_("检查日期"), null=True, blank=True)
    follow_up = models.CharField(_("后续措施"), max_length=300, blank=True)
    at = models.DateTimeField(_("反馈时间"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(_("反馈人"), max_length=100, blank=True)
    department = models.ForeignKey("org.Department", verbose_name=_("反馈部门"), on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("监管反馈")
        verbose_name_plural = _("监管反馈")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"
