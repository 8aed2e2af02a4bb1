"""Shared-data enums."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    POPULATION = "population", _("人口库（户籍）")
    ENTERPRISE = "enterprise", _("法人库（企业登记）")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    REAL_ESTATE = "real_estate", _("不动产登记")
    LICENCE_LIBRARY = "licence_library", _("电子证照库")
    OTHER = "other", _("其他")


class SubjectType(models.TextChoices):
    """What the source is queried by (holder code types: 111 公民身份号码, 001 统一社会信用代码)."""

    ID_NUMBER = "111", _("公民身份号码")
    CREDIT_CODE = "001", _("统一社会信用代码")


class Outcome(models.TextChoices):
    OK = "ok", _("成功")
    NOT_FOUND = "not_found", _("无记录")
    TIMEOUT = "timeout", _("超时")
    UNAVAILABLE = "unavailable", _("数据源不可用")
    ERROR = "error", _("返回错误")
    REFUSED = "refused", _("已拒绝（参数不合规）")
