"""Validators for national codes. Codes are strings validated by pattern, never by fixed length alone."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100 mod-31 check)."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not CREDIT_CODE_RE.match(value or ""):
        raise ValidationError(
            _("统一社会信用代码应为18位（数字或除I、O、Z、S、V以外的大写字母），收到：%(value)s"),
            code="credit_code_pattern",
            params={"value": value},
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确：%(value)s"), code="credit_code_check", params={"value": value}
        )


# Region codes (行政区划代码): 6 digits (county level) or 9/12 digits (township/village statistical codes).
REGION_CODE_RE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


def validate_region_code(value: str) -> None:
    if not REGION_CODE_RE.match(value or ""):
        raise ValidationError(_("行政区划代码应为6、9或12位数字：%(value)s"), code="region_code", params={"value": value})


# 基本编码 seen live is 12 characters; the standard says shorter. Accept 6–20 alphanumerics.
BASIC_CODE_RE = re.compile(r"^[0-9A-Z]{6,20}$")
# 实施编码: credit code (18) + level (1) + basic code; store up to 50 and check the shape.
IMPLEMENTATION_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}[1-7][0-9A-Z]{6,31}$")


def validate_basic_code(value: str) -> None:
    if not BASIC_CODE_RE.match(value or ""):
        raise ValidationError(
            _("基本编码应为6至20位数字或大写字母：%(value)s"), code="basic_code", params={"value": value}
        )


def validate_implementation_code(value: str) -> None:
    if not IMPLEMENTATION_CODE_RE.match(value or ""):
        raise ValidationError(
            _("实施编码应为“实施主体统一社会信用代码(18位)+行使层级(1位)+基本编码”：%(value)s"),
            code="implementation_code",
            params={"value": value},
        )


# GB 11643-1999 citizen ID number: 17 digits + check character (0-9 or X).
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number_check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    value = (value or "").upper()
    if not ID_NUMBER_RE.match(value):
        raise ValidationError(_("居民身份证号码应为18位（最后一位可为X）。"), code="id_number_pattern")
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(_("居民身份证号码校验位不正确，请核对。"), code="id_number_check")


PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(value):
        raise ValidationError(_("电话号码格式不正确（手机11位，或区号-号码）。"), code="phone")
