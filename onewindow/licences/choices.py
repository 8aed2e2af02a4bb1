"""E-licence enums. Holder code types carry the national codes (111 公民身份号码, 001 统一社会信用代码)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")
    CANCELLED = "cancelled", _("已注销")
    SUPERSEDED = "superseded", _("已变更（被新版本替代）")


class HolderCodeType(models.TextChoices):
    ID_NUMBER = "111", _("公民身份号码")
    CREDIT_CODE = "001", _("统一社会信用代码")


class HolderKind(models.TextChoices):
    ANY = "any", _("自然人或法人")
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人或其他组织")


class SealKeyStatus(models.TextChoices):
    ACTIVE = "active", _("在用")
    RETIRED = "retired", _("已轮换（仅用于验证）")
    COMPROMISED = "compromised", _("已泄露（签名不再可信）")


class AuthorisationBasis(models.TextChoices):
    ONLINE = "online", _("持证人网上授权")
    WRITTEN = "written", _("持证人书面授权（窗口登记）")


class UseBasis(models.TextChoices):
    ISSUER = "issuer", _("发证单位")
    AUTHORISED = "authorised", _("持证人授权")
    HOLDER = "holder", _("持证人本人")


# Where a face field's value comes from when a licence is issued for a case ("source" in LicenceType.face_fields).
FACE_SOURCES = {
    "applicant.name": _("申请人姓名或名称"),
    "applicant.cert_number": _("申请人证件号码"),
    "applicant.address": _("申请人地址"),
    "applicant.legal_representative": _("法定代表人"),
    "case.number": _("办件编号"),
    "case.decision_opinion": _("决定意见"),
    "item.name": _("事项名称"),
    "department.name": _("办理部门"),
}
