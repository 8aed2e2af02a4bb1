"""Ratings (好差评): one row per rating, a follow-up for each bad one, invitations for unrated cases."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    BAD_LEVELS,
    CLOSED_FOLLOW_UP,
    AppealStatus,
    Channel,
    Finding,
    FollowUpAction,
    FollowUpStatus,
    Level,
    Stage,
    stars_of,
)


class Rating(models.Model):
    """One rating: of a case at a stage (一事一评: at most one per case and stage) or of a hall visit through
    its ticket (一次一评: at most one per ticket). The database enforces both."""

    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices,
                                             validators=[MinValueValidator(1), MaxValueValidator(5)])
    stage = models.CharField(_("评价环节"), max_length=8, choices=Stage.choices)
    channel = models.CharField(_("评价渠道"), max_length=10, choices=Channel.choices)
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="ratings")
    ticket = models.ForeignKey("hall.Ticket", verbose_name=_("排队号"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="ratings")
    centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("服务中心"), on_delete=models.PROTECT,
                               related_name="+")
    window = models.ForeignKey("org.Window", verbose_name=_("窗口"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey("org.Department", verbose_name=_("部门"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    item = models.ForeignKey("catalog.ServiceItem", verbose_name=_("事项"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("被评价人员"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="ratings_received")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评价人账号"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(_("评价内容"), blank=True, max_length=500)
    reasons = models.JSONField(_("差评原因"), default=list, blank=True)
    real_name = models.BooleanField(_("实名评价"), default=False)
    is_default = models.BooleanField(_("默认评价"), default=False)
    excluded = models.BooleanField(_("申诉成立不计入"), default=False)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], condition=Q(case__isnull=False),
                                    name="rating_one_per_case_stage"),
            models.UniqueConstraint(fields=["ticket"], condition=Q(ticket__isnull=False),
                                    name="rating_one_per_ticket"),
            models.CheckConstraint(condition=Q(case__isnull=False, ticket__isnull=True)
                                   | Q(case__isnull=True, ticket__isnull=False), name="rating_case_xor_ticket"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_1_to_5"),
        ]
        indexes = [models.Index(fields=["centre", "created_at"], name="rating_centre_time_idx")]
        permissions = [("view_rating_dashboard", _("查看好差评统计"))]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.get_stage_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def stars(self) -> int:
        return stars_of(self.level)


class FollowUp(models.Model):
    """差评整改: named handler → callback → verification → rectification by the deadline, or an explanation.
    The rated staff member may appeal; an upheld appeal takes the rating out of the statistics."""

    rating = models.OneToOneField(Rating, verbose_name=_("评价"), on_delete=models.PROTECT, related_name="follow_up")
    centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("服务中心"), on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="rating_follow_ups")
    deadline = models.DateField(_("整改期限"))
    deadline_provisional = models.BooleanField(_("期限按临时日历"), default=False)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_reached = models.BooleanField(_("联系上评价人"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True)
    finding = models.CharField(_("核实结论"), max_length=8, choices=Finding.choices, blank=True)
    verification_note = models.TextField(_("核实情况"), blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    resolution_note = models.TextField(_("整改措施或解释说明"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按期整改"), null=True, blank=True)
    appeal_status = models.CharField(_("申诉"), max_length=10, choices=AppealStatus.choices, blank=True,
                                     default=AppealStatus.NONE)
    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    appealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    appeal_decision = models.TextField(_("申诉处理意见"), blank=True)
    appeal_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    created_at = models.DateTimeField(_("生成时间"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["centre", "status", "deadline"], name="follow_up_queue_idx")]
        permissions = [("handle_follow_up", _("差评回访整改"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_FOLLOW_UP


class FollowUpEvent(models.Model):
    """Append-only history of a follow-up (who called back, what was found, what was done)."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=16, choices=FollowUpAction.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.follow_up_id} {self.action}"


class RatingInvitation(models.Model):
    """An SMS inviting the applicant to rate a completed case (first, then once more after N days)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="rating_invitations")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    attempt = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "stage", "attempt"], name="rating_invitation_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} #{self.attempt}"
