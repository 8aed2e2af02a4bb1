"""Integrated services (一件事): the working copy an administrator edits, and its published versions.

The working copy is relational (service → questions → options, rules, steps) so the admin can edit
it with inlines and the database keeps codes unique. What applicants, the engine and cases use is an
immutable `IntegratedServiceVersion` snapshot (JSON) built at publishing, exactly like a guide's
`GuideVersion`: it embeds, for every step, the item's published guide (materials, days, department),
so a plan computed from version 3 reads the same after the catalog moves on.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.cases.choices import Channel as CaseChannel
from onewindow.catalog.choices import Audience

from . import choices
from .definition import SLUG, condition_options, condition_problems, effect_problems, field_problems


def _validate_form_fields(value: Any) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("表单字段应为列表。"))
    problems = [p for spec in value for p in field_problems(spec)]
    names = [spec.get("name") for spec in value if isinstance(spec, dict)]
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        problems.append(f"表单字段重复：{', '.join(dupes)}")
    if problems:
        raise ValidationError(problems)


def _validate_kinds(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(k, str) and SLUG.match(k) for k in value):
        raise ValidationError(_("应为材料种类代码列表，如 [\"application_form\"]。"))


class IntegratedServiceQuerySet(models.QuerySet["IntegratedService"]):
    def published(self) -> IntegratedServiceQuerySet:
        return self.filter(is_active=True, published_version__gt=0)


class IntegratedService(models.Model):
    """A life or business event (一件事) that bundles items of several departments behind one set of
    situation questions, one notice, one form and one set of materials."""

    code = models.SlugField(_("编码"), max_length=60, unique=True, help_text=_("用于网址和接口，如 kaiban-qiye"))
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    audience = models.CharField(_("服务对象"), max_length=16, choices=Audience.choices, default=Audience.CITIZEN)
    form_fields = models.JSONField(
        _("综合申请表基础字段"), default=list, blank=True, validators=[_validate_form_fields],
        help_text=_("[{\"name\": \"applicant_name\", \"label\": \"申请人\", \"type\": \"text\", \"prefill_from\": 问题代码?}]"),
    )
    merged_form_kinds = models.JSONField(
        _("由综合申请表替代的材料种类"), default=list, blank=True, validators=[_validate_kinds],
        help_text=_("一表申请：这些种类的材料（通常是各事项的申请书）由一件事综合申请表替代，不再单独提交"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    published_version = models.PositiveIntegerField(_("现行版本"), default=0, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = IntegratedServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def departments(self) -> list[str]:
        """Derived, never stored on the working copy: the departments of the steps' items, in step order."""
        seen: dict[str, None] = {}
        for step in self.steps.select_related("item__department"):
            seen.setdefault(step.item.department.name, None)
        return list(seen)


class SituationQuestion(models.Model):
    """A situation question (情形问题). A follow-up is revealed by one option of an earlier question."""

    service = models.ForeignKey(IntegratedService, verbose_name=_("一件事"), on_delete=models.CASCADE,
                                related_name="questions")
    code = models.SlugField(_("问题代码"), max_length=60)
    text = models.CharField(_("问题"), max_length=200)
    help_text = models.CharField(_("说明"), max_length=300, blank=True)
    kind = models.CharField(_("类型"), max_length=8, choices=choices.QuestionKind.choices,
                            default=choices.QuestionKind.SINGLE)
    required = models.BooleanField(_("必答"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    show_on_notice = models.BooleanField(_("在告知单上显示"), default=True)
    revealed_by = models.ForeignKey(
        "SituationOption", verbose_name=_("追问：选择此选项时出现"), null=True, blank=True,
        on_delete=models.RESTRICT, related_name="follow_ups",
        help_text=_("留空为首层问题；填写后仅在选择该选项时出现"),
    )

    class Meta:
        verbose_name = _("情形问题")
        verbose_name_plural = _("情形问题")
        ordering = ["service", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="question_code_unique_in_service")]

    def __str__(self) -> str:
        return f"{self.code}：{self.text}"

    def clean(self) -> None:
        option = self.revealed_by if self.revealed_by_id else None
        if option is not None and self.service_id and option.service_id != self.service_id:
            raise ValidationError({"revealed_by": _("追问只能由本一件事的选项引出。")})
        if option is not None and self.pk and option.question_id == self.pk:
            raise ValidationError({"revealed_by": _("问题不能由自己的选项引出（追问循环）。")})


class SituationOption(models.Model):
    """An option of a situation question. Its code is unique within the service: rules refer to it bare."""

    service = models.ForeignKey(IntegratedService, verbose_name=_("一件事"), on_delete=models.CASCADE,
                                related_name="options")
    question = models.ForeignKey(SituationQuestion, verbose_name=_("问题"), on_delete=models.CASCADE,
                                 related_name="options")
    code = models.SlugField(_("选项代码"), max_length=60)
    text = models.CharField(_("选项"), max_length=200)
    order = models.PositiveIntegerField(_("排序"), default=0)
    blocks = models.BooleanField(_("选择后不能申请"), default=False)
    block_message = models.CharField(_("不能申请的提示"), max_length=300, blank=True,
                                     help_text=_("告诉申请人为什么不能在此申请，以及该去哪里办"))

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question__order", "question_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="option_code_unique_in_service")]

    def __str__(self) -> str:
        return f"{self.code}：{self.text}"

    def clean(self) -> None:
        if self.question_id and self.service_id and self.question.service_id != self.service_id:
            raise ValidationError({"question": _("选项所属问题不属于本一件事。")})
        if self.blocks and not self.block_message.strip():
            raise ValidationError({"block_message": _("选择后不能申请的选项必须说明原因和去处。")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.question_id and not self.service_id:
            self.service_id = self.question.service_id
        super().save(*args, **kwargs)


class Rule(models.Model):
    """When `condition` holds for the chosen options, apply `effects` (see definition.py for both)."""

    service = models.ForeignKey(IntegratedService, verbose_name=_("一件事"), on_delete=models.CASCADE,
                                related_name="rules")
    code = models.SlugField(_("规则代码"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    condition = models.JSONField(_("条件"), help_text=_("选项代码，或 {\"all\": […]}、{\"any\": […]}、{\"not\": …}"))
    effects = models.JSONField(_("效果"), default=list,
                               help_text=_("[{\"op\": \"add_item\", \"item\": 实施编码}, {\"op\": \"add_material\", …}]"))
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("规则")
        verbose_name_plural = _("规则")
        ordering = ["service", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="rule_code_unique_in_service")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        cond = condition_problems(self.condition)
        if cond:
            errors["condition"] = cond
        elif self.service_id:
            known = set(SituationOption.objects.filter(service_id=self.service_id).values_list("code", flat=True))
            missing = [c for c in condition_options(self.condition) if c not in known]
            if missing and known:  # an empty service is being built: the publish check catches it later
                errors["condition"] = [f"条件引用了不存在的选项：{', '.join(missing)}"]
        eff = effect_problems(self.effects)
        if eff:
            errors["effects"] = eff
        if errors:
            raise ValidationError(errors)


class ServiceStep(models.Model):
    """An item inside the integrated service. Base steps are always in the plan; the others only when a
    rule adds them. `depends_on` orders the work: the plan's working days are the critical path
    (parallel steps take the longest, dependent steps add up)."""

    service = models.ForeignKey(IntegratedService, verbose_name=_("一件事"), on_delete=models.CASCADE,
                                related_name="steps")
    item = models.ForeignKey("catalog.ServiceItem", verbose_name=_("事项"), on_delete=models.PROTECT,
                             related_name="integrated_steps")
    order = models.PositiveIntegerField(_("排序"), default=0)
    base = models.BooleanField(_("基础事项（始终办理）"), default=True)
    days = models.PositiveSmallIntegerField(
        _("一件事内的承诺时限（工作日）"), null=True, blank=True, validators=[MaxValueValidator(365)],
        help_text=_("留空取事项指南的承诺时限"),
    )
    depends_on = models.ManyToManyField("self", verbose_name=_("前置环节"), symmetrical=False, blank=True,
                                        related_name="dependents")
    inspection = models.BooleanField(_("需要现场踏勘"), default=False,
                                     help_text=_("同一件事内的踏勘合并为一次联合踏勘"))
    produces = models.JSONField(
        _("另产出的材料种类"), default=list, blank=True, validators=[_validate_kinds],
        help_text=_("除结果证照类型外，本环节产出、可替代后续环节材料的种类，如 [\"seal_impression\"]"),
    )

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["service", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "item"], name="step_item_unique_in_service")]

    def __str__(self) -> str:
        return str(self.item) if self.item_id else "—"


class IntegratedServiceVersion(models.Model):
    """A published integrated service: an immutable snapshot. Plans and (later) bundles point at one."""

    service = models.ForeignKey(IntegratedService, verbose_name=_("一件事"), on_delete=models.PROTECT,
                                related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=12, choices=choices.VersionStatus.choices,
                              default=choices.VersionStatus.PUBLISHED)
    snapshot = models.JSONField(_("内容"))
    report = models.JSONField(_("发布时的校验结果"), default=dict, blank=True)
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("一件事版本")
        verbose_name_plural = _("一件事版本")
        ordering = ["service", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="integrated_version_unique"),
            models.UniqueConstraint(fields=["service"], condition=Q(status="published"),
                                    name="one_published_integrated_version"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot.get('name', self.service_id)} v{self.number}"


# ---- bundles: one application for one integrated service ----------------------------------------------

class IntegratedCaseQuerySet(models.QuerySet["IntegratedCase"]):
    def with_children(self) -> IntegratedCaseQuerySet:
        """Everything a bundle page shows in a fixed number of queries (children, their items and sections)."""
        from django.db.models import Prefetch

        return self.select_related("service", "version", "applicant", "centre").prefetch_related(
            Prefetch("children", queryset=IntegratedCaseChild.objects.select_related(
                "case__item", "case__department", "case__section", "case__applicant").order_by("order", "id")),
        )


class IntegratedCase(models.Model):
    """A bundle (一件事办件): one application for one integrated service, made once, with one linked child
    case per item of its plan (IntegratedCaseChild). Each child is an ordinary `cases.Case` routed to its
    own department and section; the bundle keeps what was decided once for all of them — the version, the
    answers, the plan snapshot, the merged form — and its own tracking code and query password, so the
    applicant follows the whole event with one code. Its status is summed up from the children, never
    stored (see `status`)."""

    service = models.ForeignKey(IntegratedService, verbose_name=_("一件事"), on_delete=models.PROTECT,
                                related_name="bundles")
    version = models.ForeignKey(IntegratedServiceVersion, verbose_name=_("一件事版本"), on_delete=models.PROTECT,
                                related_name="bundles")
    answers = models.JSONField(_("情形回答"), default=dict)
    plan = models.JSONField(_("方案快照"), default=dict, help_text=_("提交时的 Plan.to_dict()"))
    form_data = models.JSONField(_("综合申请表"), default=dict, blank=True)
    applicant = models.ForeignKey("cases.Applicant", verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="integrated_cases")
    channel = models.CharField(_("申请渠道"), max_length=12, choices=CaseChannel.choices)
    centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("收件中心"), on_delete=models.PROTECT,
                               related_name="integrated_cases")
    window = models.ForeignKey("org.Window", verbose_name=_("收件窗口"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    tracking_code = models.CharField(_("查询码"), max_length=32, unique=True, editable=False)
    query_password = models.CharField(_("查询密码"), max_length=6, editable=False)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)

    objects = IntegratedCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("一件事办件")
        verbose_name_plural = _("一件事办件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["applicant", "created_at"])]

    def __str__(self) -> str:
        return f"{self.plan.get('service', {}).get('name', '') or self.service_id} {self.created_at:%Y-%m-%d}"

    @property
    def name(self) -> str:
        return str(self.plan.get("service", {}).get("name", "")) or str(self.service.name)

    @property
    def cases(self) -> list[Any]:
        """The child cases in plan order (uses the prefetched children when there are any)."""
        return [link.case for link in self.children.all()]

    @property
    def status(self) -> Any:
        """The summed-up status of the children (computed on every read; see bundles.bundle_status)."""
        from .bundles import bundle_status

        return bundle_status(self.cases)


class IntegratedCaseChild(models.Model):
    """Links a child case to its bundle. A join table, so the cases table stays as it is and a case belongs to
    at most one bundle (one-to-one)."""

    bundle = models.ForeignKey(IntegratedCase, verbose_name=_("一件事办件"), on_delete=models.PROTECT,
                               related_name="children")
    case = models.OneToOneField("cases.Case", verbose_name=_("办件"), on_delete=models.PROTECT,
                                related_name="bundle_link")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("一件事子办件")
        verbose_name_plural = _("一件事子办件")
        ordering = ["bundle", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "order"], name="bundle_child_order_unique")]

    def __str__(self) -> str:
        return f"{self.bundle_id}#{self.order}"
