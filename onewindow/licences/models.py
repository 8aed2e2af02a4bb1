"""E-licences (电子证照): types with their templates, issuing authorities with their SM2 seal keys, the licences
themselves (signed), the holder's authorisations and every use of a licence."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.masking import mask_id_number, mask_name
from onewindow.core.pii import EncryptedCharField
from onewindow.core.validators import validate_credit_code, validate_region_code

from .choices import (
    FACE_SOURCES,
    AuthorisationBasis,
    HolderCodeType,
    HolderKind,
    LicenceStatus,
    SealKeyStatus,
    UseBasis,
)

_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class LicenceType(models.Model):
    """A licence type (证照类型) and its template: the face fields and how the licence is laid out.

    `code` is what a service item names as its result (ServiceItem.result_licence_type); the national type code
    is the type owner's credit code + a 3-digit number.
    """

    code = models.SlugField(_("类型代码（事项结果引用）"), max_length=40, unique=True,
                            help_text=_("与事项“结果证照类型代码”一致，如 business_licence"))
    name = models.CharField(_("证照类型名称"), max_length=100)
    owner_credit_code = models.CharField(_("证照类型定义机构统一社会信用代码"), max_length=18,
                                         validators=[validate_credit_code])
    type_number = models.CharField(_("类型序号"), max_length=3, validators=[RegexValidator(r"^\d{3}$", _("三位数字。"))])
    holder_kind = models.CharField(_("持证主体类型"), max_length=12, choices=HolderKind.choices, default=HolderKind.ANY)
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"), null=True, blank=True,
                                                      help_text=_("留空为长期有效"))
    face_fields = models.JSONField(
        _("照面字段"), default=list, blank=True,
        help_text=_('列表，每项 {"key": "scope", "label": "经营范围", "source": "form.scope", "required": true}；'
                    'source 可为 applicant.name、applicant.cert_number、applicant.address、applicant.legal_representative、'
                    'case.number、case.decision_opinion、item.name、department.name、form.<字段>、const:<文字>'),
    )
    layout = models.JSONField(
        _("版式"), default=dict, blank=True,
        help_text=_('{"title": "营业执照", "subtitle": "（副本）", "note": "页脚说明", "columns": 2, "orientation": "portrait"}'),
    )
    satisfies_material_kinds = models.JSONField(
        _("可替代的材料种类"), default=list, blank=True,
        help_text=_("有效证照可免交的材料种类代码列表，如 [\"business_licence\"]（与事项材料的“材料种类代码”一致）"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["owner_credit_code", "type_number"], name="licence_type_code_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def type_code(self) -> str:
        return f"{self.owner_credit_code}{self.type_number}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        fields = self.face_fields
        if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
            errors["face_fields"] = _("照面字段应为对象列表。")
        else:
            keys = [str(f.get("key", "")) for f in fields]
            bad = [k for k in keys if not _SLUG.match(k)]
            if bad:
                errors["face_fields"] = _("字段 key 应为小写字母、数字和下划线：%(k)s") % {"k": ", ".join(bad) or "''"}
            elif len(set(keys)) != len(keys):
                errors["face_fields"] = _("字段 key 不能重复。")
            elif any(not str(f.get("label", "")).strip() for f in fields):
                errors["face_fields"] = _("每个字段都需要显示名称（label）。")
            else:
                for f in fields:
                    source = str(f.get("source", ""))
                    if source and not (source in FACE_SOURCES or source.startswith(("form.", "const:"))):
                        errors["face_fields"] = _("字段 %(k)s 的来源无效：%(s)s") % {"k": f["key"], "s": source}
        if not isinstance(self.layout, dict):
            errors["layout"] = _("版式应为对象。")
        kinds = self.satisfies_material_kinds
        if not isinstance(kinds, list) or not all(isinstance(k, str) and _SLUG.match(k) for k in kinds):
            errors["satisfies_material_kinds"] = _("应为材料种类代码列表。")
        if errors:
            raise ValidationError(errors)

    def field_labels(self) -> dict[str, str]:
        return {str(f["key"]): str(f["label"]) for f in self.face_fields if isinstance(f, dict) and "key" in f}


class IssuingAuthority(models.Model):
    """An issuing authority (发证机构) — the bureau whose single seal (一章审批) signs the licences."""

    department = models.OneToOneField("org.Department", verbose_name=_("部门"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="issuing_authority")
    name = models.CharField(_("发证机构名称"), max_length=100)
    credit_code = models.CharField(_("发证机构统一社会信用代码"), max_length=18, unique=True,
                                   validators=[validate_credit_code])
    region_code = models.CharField(_("管辖属地（行政区划代码）"), max_length=12, validators=[validate_region_code])
    seal_text = models.CharField(_("印章文字"), max_length=40, blank=True, help_text=_("留空则用机构名称"))
    seal_subtitle = models.CharField(_("印章下方文字"), max_length=20, default="电子证照专用章", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发证机构与印章")
        verbose_name_plural = _("发证机构与印章")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def active_key(self) -> SealKey | None:
        return self.keys.filter(status=SealKeyStatus.ACTIVE).first()


class SealKey(models.Model):
    """One SM2 key pair of an authority's seal. Rotation retires the old key but keeps its public key, so every
    licence it signed stays verifiable. The private key is stored only SM4-sealed (or not at all when an
    external signing device holds it: `external_ref`)."""

    authority = models.ForeignKey(IssuingAuthority, verbose_name=_("发证机构"), on_delete=models.PROTECT,
                                  related_name="keys")
    public_key = models.CharField(_("SM2 公钥（X‖Y）"), max_length=128)
    fingerprint = models.CharField(_("公钥指纹"), max_length=16, unique=True)
    private_blob = models.TextField(_("私钥（SM4 加密）"), blank=True, editable=False)
    external_ref = models.CharField(_("外部签章设备密钥标识"), max_length=200, blank=True)
    signer = models.CharField(_("签章实现"), max_length=100)
    status = models.CharField(_("状态"), max_length=12, choices=SealKeyStatus.choices, default=SealKeyStatus.ACTIVE)
    created_at = models.DateTimeField(_("启用时间"), default=timezone.now)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("签章密钥")
        verbose_name_plural = _("签章密钥")
        ordering = ["authority", "-created_at"]
        constraints = [
            # One key signs at a time per authority; retired keys only verify.
            models.UniqueConstraint(fields=["authority"], condition=Q(status="active"), name="one_active_seal_key"),
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.fingerprint} ({self.get_status_display()})"


class LicenceSerial(models.Model):
    """Per type, authority and year counter for licence serials; incremented with a conditional UPDATE."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey(IssuingAuthority, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["licence_type", "authority", "year"], name="licence_serial_unique")]

    def __str__(self) -> str:
        return f"{self.licence_type_id}/{self.authority_id}/{self.year}:{self.last}"


class LicenceQuerySet(models.QuerySet["Licence"]):
    def held_by_index(self, indexes: list[str] | set[str]) -> LicenceQuerySet:
        return self.filter(holder_index__in=list(indexes))

    def held_by_user(self, user: Any) -> LicenceQuerySet:
        """Licences whose holder certificate matches one of the user's applicant records (blind index)."""
        if user is None or not user.is_authenticated:
            return self.none()
        from onewindow.cases.models import Applicant

        return self.filter(holder_index__in=Applicant.objects.filter(user=user).values("cert_index"))

    def current(self) -> LicenceQuerySet:
        today = timezone.localdate()
        return self.filter(status=LicenceStatus.VALID, valid_from__lte=today).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today))


class Licence(models.Model):
    """An e-licence with its national identifier. Everything a reader relies on is in the signed canonical data
    (see `canonical`), so changing any of it — face data, holder, validity, status, identifier — makes the
    SM2 signature fail. Snapshot fields (type code, issuer name/code) keep old licences verifiable after the
    type or the authority is renamed."""

    identifier = models.CharField(_("证照标识"), max_length=160, unique=True)
    verify_code = models.CharField(_("核验码"), max_length=40, unique=True, editable=False)
    licence_type = models.ForeignKey(LicenceType, verbose_name=_("证照类型"), on_delete=models.PROTECT,
                                     related_name="licences")
    type_code = models.CharField(_("证照类型代码"), max_length=21)
    name = models.CharField(_("证照名称"), max_length=100)
    serial = models.CharField(_("证照编号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本号"), default=1)
    authority = models.ForeignKey(IssuingAuthority, verbose_name=_("颁发机构"), on_delete=models.PROTECT,
                                  related_name="licences")
    issuer_name = models.CharField(_("颁发机构名称"), max_length=100)
    issuer_code = models.CharField(_("颁发机构代码"), max_length=18)
    jurisdiction = models.CharField(_("管辖属地"), max_length=12)
    issued_on = models.DateField(_("颁发日期"))
    holder_name = models.CharField(_("持证主体"), max_length=200)
    holder_code = EncryptedCharField(_("持证主体代码"), max_length=40)
    holder_code_type = models.CharField(_("持证主体代码类型"), max_length=3, choices=HolderCodeType.choices)
    holder_index = models.CharField(max_length=64, db_index=True, editable=False)
    holder = models.ForeignKey("cases.Applicant", verbose_name=_("申请人记录"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="licences")
    valid_from = models.DateField(_("有效期起始"))
    valid_to = models.DateField(_("有效期截止"), null=True, blank=True, help_text=_("留空为长期"))
    face_data = models.JSONField(_("照面信息"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=LicenceStatus.choices, default=LicenceStatus.VALID,
                              db_index=True)
    status_reason = models.CharField(_("状态说明"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    previous = models.OneToOneField("self", verbose_name=_("前一版本"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="next_version")
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="licences")
    seal_key = models.ForeignKey(SealKey, verbose_name=_("签章密钥"), on_delete=models.PROTECT, related_name="licences")
    digest = models.CharField(_("SM3 摘要"), max_length=64)
    signature = models.CharField(_("SM2 签名"), max_length=128)
    signed_at = models.DateTimeField(_("签名时间"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["type_code", "issuer_code", "serial", "version"], name="licence_version_unique"),
        ]
        indexes = [models.Index(fields=["holder_index", "status"])]

    def __str__(self) -> str:
        return f"{self.name} {self.serial}-{self.version:03d}"

    # The fields a verifier relies on; each is covered by the signature.
    SIGNED_FIELDS = (
        "identifier", "verify_code", "type_code", "name", "serial", "version", "issuer_name", "issuer_code",
        "jurisdiction", "issued_on", "holder_name", "holder_code", "holder_code_type", "valid_from", "valid_to",
        "face_data", "status", "status_reason", "status_changed_at",
    )

    def canonical(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for field in self.SIGNED_FIELDS:
            value = getattr(self, field)
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            data[field] = value
        data["previous"] = self.previous.identifier if self.previous is not None else ""
        data["key"] = self.seal_key.fingerprint if self.seal_key_id else ""
        return data

    def canonical_bytes(self) -> bytes:
        """Sorted, compact JSON in UTF-8: the exact bytes that are hashed (SM3) and signed (SM2)."""
        return json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @property
    def masked_holder_code(self) -> str:
        return mask_id_number(self.holder_code)

    @property
    def masked_holder_name(self) -> str:
        return mask_name(self.holder_name) if self.holder_code_type == HolderCodeType.ID_NUMBER else self.holder_name

    def face_rows(self) -> list[tuple[str, str]]:
        """(label, value) in the template's order; keys the template no longer lists are shown by key."""
        labels = self.licence_type.field_labels()
        rows = [(label, str(self.face_data[key])) for key, label in labels.items() if key in self.face_data]
        rows += [(key, str(value)) for key, value in self.face_data.items() if key not in labels]
        return rows

    def in_validity(self, on: Any = None) -> bool:
        day = on or timezone.localdate()
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class LicenceAuthorisation(models.Model):
    """The holder lets another unit use a licence for one matter (and, where given, one case). Online from the
    licence wallet, or — the paper path — recorded by a clerk from the holder's signed consent."""

    licence = models.ForeignKey(Licence, verbose_name=_("证照"), on_delete=models.PROTECT, related_name="authorisations")
    unit = models.ForeignKey("org.Department", verbose_name=_("用证单位"), on_delete=models.PROTECT, related_name="+")
    matter = models.CharField(_("用证事项"), max_length=200)
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="licence_authorisations")
    basis = models.CharField(_("授权方式"), max_length=12, choices=AuthorisationBasis.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)
    valid_until = models.DateField(_("授权截止"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用证授权")
        verbose_name_plural = _("用证授权")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["licence", "unit"])]

    def __str__(self) -> str:
        return f"{self.licence_id} → {self.unit_id}: {self.matter}"

    def is_active(self, on: Any = None) -> bool:
        day = on or timezone.localdate()
        return self.withdrawn_at is None and (self.valid_until is None or day <= self.valid_until)


class LicenceUse(models.Model):
    """Every use of a licence by a unit (append-only); the holder sees these in the licence wallet."""

    licence = models.ForeignKey(Licence, verbose_name=_("证照"), on_delete=models.PROTECT, related_name="uses")
    unit = models.ForeignKey("org.Department", verbose_name=_("用证单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    unit_name = models.CharField(_("用证单位名称"), max_length=100)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="licence_uses")
    purpose = models.CharField(_("用途"), max_length=200)
    basis = models.CharField(_("依据"), max_length=12, choices=UseBasis.choices)
    authorisation = models.ForeignKey(LicenceAuthorisation, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="uses")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("用证记录")
        verbose_name_plural = _("用证记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.unit_name} {self.at:%Y-%m-%d}"
