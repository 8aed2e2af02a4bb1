"""Shared data (共享数据): the registers a case may be checked against, the log of every call, the per-case cache."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Outcome, SourceKind, SubjectType

_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,59}$")

BUILTIN_ADAPTERS = {
    "onewindow.shareddata.adapters.HttpJsonAdapter": _("HTTP JSON 接口"),
    "onewindow.shareddata.adapters.LicenceLibraryAdapter": _("本地电子证照库"),
    "onewindow.shareddata.adapters.SandboxAdapter": _("演示沙箱（非真实数据）"),
}


def allowed_adapters() -> dict[str, Any]:
    extra = {path: path for path in getattr(settings, "ONEWINDOW_SHAREDDATA_EXTRA_ADAPTERS", [])}
    return {**BUILTIN_ADAPTERS, **extra}


class DataSource(models.Model):
    """A register the platform may query (人口库, 法人库, 社保, 不动产 …), declared with its owner and fields.

    `fields` lists what the source returns: [{"key": "household_address", "label": "户籍地址",
    "form_field": "address"}] — `form_field` (optional) is the application-form field it prefills.
    `config` is the adapter's: url, auth_header, auth_value_env (the name of an environment variable holding
    the secret, so no credential sits in the database), timeout, retries, result_path.
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    owner_department = models.ForeignKey("org.Department", verbose_name=_("数据提供部门"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField(_("数据提供单位"), max_length=100, blank=True, help_text=_("非本县部门时填写"))
    kind = models.CharField(_("类别"), max_length=20, choices=SourceKind.choices)
    subject_types = models.JSONField(_("查询依据"), default=list,
                                     help_text=_('可用的证件类型代码，如 ["111"] 身份证号、["001"] 统一社会信用代码'))
    fields = models.JSONField(_("返回字段"), default=list, blank=True)
    satisfies_material_kinds = models.JSONField(_("可替代的材料种类"), default=list, blank=True,
                                                help_text=_("查询成功即视为已提交的材料种类代码列表"))
    adapter = models.CharField(_("适配器"), max_length=200, default="onewindow.shareddata.adapters.HttpJsonAdapter")
    config = models.JSONField(_("接口配置"), default=dict, blank=True)
    is_sandbox = models.BooleanField(_("演示沙箱"), default=False,
                                     help_text=_("演示用的模拟数据源：页面和材料说明都会标明“演示数据”"))
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("数据源")
        verbose_name_plural = _("数据源")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（演示沙箱）" if self.is_sandbox else self.name

    @property
    def owner(self) -> str:
        return self.owner_department.name if self.owner_department is not None else self.owner_name

    def field_keys(self) -> list[str]:
        return [str(f["key"]) for f in self.fields if isinstance(f, dict) and f.get("key")]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.adapter not in allowed_adapters():
            errors["adapter"] = _("不允许的适配器：%(a)s") % {"a": self.adapter}
        if self.adapter.endswith("SandboxAdapter") and not self.is_sandbox:
            errors["is_sandbox"] = _("演示沙箱适配器只能用于标明为演示沙箱的数据源。")
        if not isinstance(self.subject_types, list) or not self.subject_types or any(
                t not in SubjectType.values for t in self.subject_types):
            errors["subject_types"] = _("请选择查询依据：111（身份证号）和/或 001（统一社会信用代码）。")
        if not isinstance(self.fields, list) or any(
                not isinstance(f, dict) or not _SLUG.match(str(f.get("key", ""))) or not str(f.get("label", "")).strip()
                for f in self.fields):
            errors["fields"] = _('返回字段应为 [{"key": "…", "label": "…"}] 列表，key 用小写字母、数字、下划线。')
        kinds = self.satisfies_material_kinds
        if not isinstance(kinds, list) or not all(isinstance(k, str) and _SLUG.match(k) for k in kinds):
            errors["satisfies_material_kinds"] = _("应为材料种类代码列表。")
        config = self.config if isinstance(self.config, dict) else None
        if config is None:
            errors["config"] = _("接口配置应为对象。")
        else:
            for key in ("timeout", "retries"):
                if key in config and not (isinstance(config[key], int | float) and 0 <= config[key] <= 60):
                    errors["config"] = _("%(k)s 应为 0–60 之间的数字。") % {"k": key}
            if self.adapter.endswith("HttpJsonAdapter"):
                url = str(config.get("url", ""))
                if not url.startswith(("http://", "https://")):
                    errors["config"] = _("HTTP 数据源需要 url（http:// 或 https://）。")
                if "auth_value" in config:
                    errors["config"] = _("不要把密钥写在配置里：用 auth_value_env 指定保存密钥的环境变量名。")
        if errors:
            raise ValidationError(errors)


class DataCall(models.Model):
    """One gateway call (append-only): who, when, for which case and purpose, which fields, what came back.
    The subject's ID number is stored only as a keyed hash (blind index) and masked."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查询人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("查询人姓名"), max_length=100, blank=True)
    source = models.ForeignKey(DataSource, verbose_name=_("数据源"), on_delete=models.PROTECT, related_name="calls")
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="data_calls")
    purpose = models.CharField(_("用途"), max_length=200)
    subject_type = models.CharField(_("证件类型"), max_length=3, choices=SubjectType.choices)
    subject_hash = models.CharField(_("证件号码（密文索引）"), max_length=64, db_index=True)
    subject_masked = models.CharField(_("证件号码（脱敏）"), max_length=40)
    fields = models.JSONField(_("字段"), default=list)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    from_cache = models.BooleanField(_("来自缓存"), default=False)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)

    class Meta:
        verbose_name = _("数据调用记录")
        verbose_name_plural = _("数据调用记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.source_id} {self.outcome}"


class CachedResult(models.Model):
    """A successful answer kept for the case it was fetched for: the same question in the same case is not
    sent again (the register is not hit twice, the applicant is not asked twice)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="data_results")
    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="+")
    subject_hash = models.CharField(max_length=64)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    data = models.JSONField(default=dict)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("共享数据结果")
        verbose_name_plural = _("共享数据结果")
        constraints = [models.UniqueConstraint(fields=["case", "source", "subject_hash"], name="one_result_per_case_source")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.source_id}"
