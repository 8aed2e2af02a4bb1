"""Code lists from GB/T 39046-2020 with their national codes as values."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    ENFORCEMENT = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


class ExerciseLevel(models.TextChoices):
    NATIONAL = "1", _("国家级")
    PROVINCE = "2", _("省级")
    CITY = "3", _("市级")
    COUNTY = "4", _("县级")
    TOWNSHIP = "5", _("乡镇（街道）级")
    VILLAGE = "6", _("村（社区）级")
    TIERED = "7", _("分级管理")


class TargetGroup(models.TextChoices):
    PERSON = "1", _("自然人")
    ENTERPRISE = "2", _("企业法人")
    INSTITUTION = "3", _("事业法人")
    SOCIAL_ORG = "4", _("社会组织法人")
    AUTHORITY = "5", _("行政机关")
    OTHER = "6", _("其他组织")


class HandlingForm(models.TextChoices):
    WINDOW = "1", _("窗口办理")
    ONLINE_PC = "2", _("网上办理（电脑）")
    MOBILE = "3", _("移动端")
    POST = "4", _("快递申请")
    OTHER = "9", _("其他")


class CaseKind(models.TextChoices):
    INSTANT = "1", _("即办件")
    PROMISED = "2", _("承诺件")
    OTHER = "9", _("其他")


class CorrectionClock(models.TextChoices):
    PAUSE = "pause", _("补正期间暂停计时")
    RESTART = "restart", _("补正后重新计时")


class ReviewMode(models.TextChoices):
    SINGLE = "single", _("审核合一（一人通办）")
    STAGED = "staged", _("承办→审核→批准")


class Necessity(models.TextChoices):
    REQUIRED = "required", _("必要")
    DEFERRABLE = "deferrable", _("容缺")
    OPTIONAL = "optional", _("非必要（视情形）")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ORIGINAL_AND_COPY = "both", _("原件和复印件")
    ELECTRONIC = "electronic", _("电子材料")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人自备")
    GOVERNMENT = "government", _("政府部门核发")
    INTERMEDIARY = "intermediary", _("中介机构出具")
    OTHER = "other", _("其他")


class GuideStatus(models.TextChoices):
    PUBLISHED = "published", _("现行")
    SUPERSEDED = "superseded", _("已被新版本替代")


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("个人办事")
    ENTERPRISE = "enterprise", _("法人办事")
