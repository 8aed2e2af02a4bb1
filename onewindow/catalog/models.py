from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.core.validators import validate_basic_code, validate_implementation_code

from . import choices
from .search import pinyin_keys


def _validate_codes(values: Any, allowed: type[models.TextChoices], field: str) -> None:
    if not isinstance(values, list) or not values:
        raise ValidationError({field: _("至少选择一项。")})
    bad = [v for v in values if v not in allowed.values]
    if bad:
        raise ValidationError({field: _("无效的代码：%(codes)s") % {"codes": ", ".join(map(str, bad))}})


class Topic(models.Model):
    """A browsing topic (主题), e.g. 开办企业, 社会保障, for citizens or enterprises."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    audience = models.CharField(_("服务对象"), max_length=16, choices=choices.Audience.choices)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["audience", "order", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceItemQuerySet(models.QuerySet["ServiceItem"]):
    def published(self) -> ServiceItemQuerySet:
        return self.filter(is_active=True, published_version__gt=0)

    def for_audience(self, audience: str) -> ServiceItemQuerySet:
        if audience == choices.Audience.CITIZEN:
            return self.filter(serves_citizens=True)
        if audience == choices.Audience.ENTERPRISE:
            return self.filter(serves_enterprises=True)
        return self


class ServiceItem(models.Model):
    """A service item (事项) with the national elements of GB/T 39046. This row is the working copy;
    what applicants see and cases refer to is a published `GuideVersion` snapshot of it."""

    # Identity
    basic_code = models.CharField(_("基本编码"), max_length=50, validators=[validate_basic_code])
    implementation_code = models.CharField(
        _("实施编码"), max_length=50, unique=True, validators=[validate_implementation_code]
    )
    name = models.CharField(_("事项名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=choices.ItemType.choices)
    exercise_level = models.CharField(_("行使层级"), max_length=1, choices=choices.ExerciseLevel.choices,
                                      default=choices.ExerciseLevel.COUNTY)
    department = models.ForeignKey("org.Department", verbose_name=_("实施主体"), on_delete=models.PROTECT,
                                   related_name="items")
    section = models.ForeignKey("org.Section", verbose_name=_("承办科室"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="items")
    target_groups = models.JSONField(_("服务对象"), default=list, help_text=_("代码列表，如 [\"1\", \"2\"]"))
    serves_citizens = models.BooleanField(_("面向个人"), default=False, editable=False)
    serves_enterprises = models.BooleanField(_("面向法人"), default=False, editable=False)
    topics = models.ManyToManyField(Topic, verbose_name=_("主题"), blank=True, related_name="items")
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("空格分隔，用于检索"))

    # Time limits (working days)
    case_kind = models.CharField(_("办件类型"), max_length=1, choices=choices.CaseKind.choices,
                                 default=choices.CaseKind.PROMISED)
    statutory_days = models.PositiveSmallIntegerField(_("法定办结时限（工作日）"), validators=[MaxValueValidator(365)])
    statutory_note = models.CharField(_("法定时限说明"), max_length=200, blank=True)
    promised_days = models.PositiveSmallIntegerField(_("承诺办结时限（工作日）"), validators=[MaxValueValidator(365)])
    promised_note = models.CharField(_("承诺时限说明"), max_length=200, blank=True)
    correction_clock = models.CharField(_("补正计时方式"), max_length=8, choices=choices.CorrectionClock.choices,
                                        default=choices.CorrectionClock.PAUSE)
    review_mode = models.CharField(_("审批方式"), max_length=8, choices=choices.ReviewMode.choices,
                                   default=choices.ReviewMode.SINGLE)

    # Fees, channels, visits
    fee_required = models.BooleanField(_("是否收费"), default=False)
    fee_description = models.CharField(_("收费标准"), max_length=300, blank=True)
    fee_basis = models.CharField(_("收费依据"), max_length=300, blank=True)
    handling_forms = models.JSONField(_("办理形式"), default=list, help_text=_("代码列表，如 [\"1\", \"2\"]"))
    max_visits = models.PositiveSmallIntegerField(_("到现场次数"), default=1, validators=[MaxValueValidator(9)])
    supports_appointment = models.BooleanField(_("支持预约"), default=True)
    supports_online_payment = models.BooleanField(_("支持网上支付"), default=False)
    supports_express = models.BooleanField(_("支持物流快递"), default=True)
    weekend_service = models.BooleanField(_("无休日办理"), default=False)
    county_wide = models.BooleanField(_("全县通办"), default=False)

    # Guide text
    legal_basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    process = models.TextField(_("办理流程"), blank=True)
    special_procedures = models.CharField(_("特别程序"), max_length=300, blank=True)
    place = models.CharField(_("办理地点"), max_length=300, blank=True)
    hours = models.CharField(_("办理时间"), max_length=200, blank=True)
    consult_phone = models.CharField(_("咨询电话"), max_length=60, blank=True)
    supervise_phone = models.CharField(_("监督电话"), max_length=60, blank=True)
    faq = models.TextField(_("常见问题"), blank=True, help_text=_("每组“问：…”换行“答：…”，组间空一行"))

    # Result
    result_name = models.CharField(_("结果名称"), max_length=200, blank=True)
    result_licence_type = models.CharField(_("结果证照类型代码"), max_length=40, blank=True,
                                           help_text=_("无证照结果时留空"))

    # Bookkeeping
    is_active = models.BooleanField(_("启用"), default=True)
    published_version = models.PositiveIntegerField(_("现行指南版本"), default=0, editable=False)
    search_pinyin = models.CharField(max_length=600, blank=True, editable=False)
    search_initials = models.CharField(max_length=300, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["department__order", "basic_code"]
        constraints = [
            models.CheckConstraint(condition=Q(promised_days__lte=models.F("statutory_days")),
                                   name="item_promised_not_over_statutory"),
        ]
        indexes = [models.Index(fields=["search_initials"]), models.Index(fields=["is_active", "published_version"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.promised_days is not None and self.statutory_days is not None and self.promised_days > self.statutory_days:
            errors["promised_days"] = _("承诺时限（%(p)d）不能超过法定时限（%(s)d）。") % {
                "p": self.promised_days, "s": self.statutory_days}
        if self.case_kind == choices.CaseKind.INSTANT and self.promised_days:
            errors["promised_days"] = _("即办件的承诺时限应为 0 个工作日。")
        if self.case_kind == choices.CaseKind.PROMISED and not self.promised_days:
            errors["promised_days"] = _("承诺件需要填写承诺时限。")
        if self.section is not None and self.department_id and self.section.department_id != self.department_id:
            errors["section"] = _("承办科室不属于实施主体。")
        if self.implementation_code and self.department_id:
            credit = self.department.credit_code
            if not self.implementation_code.startswith(credit):
                errors["implementation_code"] = _("实施编码应以实施主体的统一社会信用代码 %(c)s 开头。") % {"c": credit}
            elif self.basic_code and not self.implementation_code.endswith(self.basic_code):
                errors["implementation_code"] = _("实施编码应以基本编码结尾。")
        if self.fee_required and not self.fee_basis:
            errors["fee_basis"] = _("收费事项必须填写收费依据。")
        for field, allowed in (("target_groups", choices.TargetGroup), ("handling_forms", choices.HandlingForm)):
            try:
                _validate_codes(getattr(self, field), allowed, field)
            except ValidationError as exc:
                errors.update(exc.error_dict)
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        groups = set(self.target_groups or [])
        self.serves_citizens = choices.TargetGroup.PERSON in groups
        self.serves_enterprises = bool(groups - {choices.TargetGroup.PERSON})
        self.search_pinyin, self.search_initials = pinyin_keys([self.name, self.short_name, self.result_name, self.keywords])
        super().save(*args, **kwargs)

    @property
    def is_instant(self) -> bool:
        return self.case_kind == choices.CaseKind.INSTANT

    def faq_pairs(self) -> list[tuple[str, str]]:
        return parse_faq(self.faq)


def parse_faq(text: str) -> list[tuple[str, str]]:
    pairs = []
    for block in (text or "").replace("\r", "").split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not lines:
            continue
        question = lines[0].removeprefix("问：").removeprefix("问:")
        answer = " ".join(line.removeprefix("答：").removeprefix("答:") for line in lines[1:])
        pairs.append((question, answer))
    return pairs


material_file_validators = [FileExtensionValidator(["pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png"])]


class Material(models.Model):
    """A material (申请材料) an item asks for."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    kind = models.SlugField(_("材料种类代码"), max_length=60, blank=True,
                            help_text=_("同一种类的材料在一件事中只收一次，如 id_card、business_licence"))
    issuer = models.CharField(_("出具机构"), max_length=100, blank=True)
    originals = models.PositiveSmallIntegerField(_("原件份数"), default=0, validators=[MaxValueValidator(20)])
    copies = models.PositiveSmallIntegerField(_("复印件份数"), default=0, validators=[MaxValueValidator(20)])
    necessity = models.CharField(_("是否必备"), max_length=12, choices=choices.Necessity.choices,
                                 default=choices.Necessity.REQUIRED)
    form = models.CharField(_("材料形式"), max_length=12, choices=choices.MaterialForm.choices,
                            default=choices.MaterialForm.ORIGINAL)
    source = models.CharField(_("来源渠道"), max_length=12, choices=choices.MaterialSource.choices,
                              default=choices.MaterialSource.APPLICANT)
    acceptance_standard = models.CharField(_("受理标准"), max_length=300, blank=True)
    notes = models.CharField(_("填报须知"), max_length=300, blank=True)
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/", blank=True, validators=material_file_validators)
    sample = models.FileField(_("示例样表"), upload_to="catalog/samples/", blank=True, validators=material_file_validators)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.originals == 0 and self.copies == 0 and self.form != choices.MaterialForm.ELECTRONIC:
            raise ValidationError({"originals": _("纸质材料至少需要1份原件或复印件。")})
        for field in ("blank_form", "sample"):
            f = getattr(self, field)
            if f and getattr(f, "size", 0) > settings.MAX_UPLOAD_BYTES:
                raise ValidationError({field: _("文件过大（上限 %(mb)d MB）。") % {"mb": settings.MAX_UPLOAD_BYTES // 1048576}})


class GuideVersion(models.Model):
    """A published guide: an immutable snapshot of an item and its materials. Cases point at one."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="guides")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=12, choices=choices.GuideStatus.choices,
                              default=choices.GuideStatus.PUBLISHED)
    snapshot = models.JSONField(_("指南内容"))
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("办事指南版本")
        verbose_name_plural = _("办事指南版本")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="guide_version_unique"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="published"), name="one_published_guide_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot.get('name', self.item_id)} v{self.number}"

    @property
    def materials(self) -> list[dict[str, Any]]:
        return list(self.snapshot.get("materials", []))
