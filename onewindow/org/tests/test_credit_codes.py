"""Unified social credit codes (GB 32100-2015): 18 characters, a restricted alphabet, a mod-31 check."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.core.validators import CREDIT_CODE_ALPHABET, validate_credit_code, validate_region_code
from onewindow.org import services
from onewindow.org.models import Department
from onewindow.testing import credit_code


@pytest.mark.parametrize("code", [credit_code(1), credit_code(123456789), "91440300708461136T", "12100000400000624D"])
def test_it_accepts_a_valid_code(code):
    validate_credit_code(code)


def with_wrong_check_char(code: str) -> str:
    wrong = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(code[17]) + 1) % len(CREDIT_CODE_ALPHABET)]
    return code[:17] + wrong


@pytest.mark.parametrize("code", [credit_code(1), "91440300708461136T"])
def test_it_rejects_a_wrong_check_character_and_says_so(code):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(with_wrong_check_char(code))

    assert caught.value.code == "credit_code_check"
    assert "校验位不正确" in caught.value.messages[0]


@pytest.mark.parametrize("code", [credit_code(1)[:17], credit_code(1) + "0", "", "9144030070846113"])
def test_it_rejects_a_code_of_the_wrong_length_and_says_18(code):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)

    assert caught.value.code == "credit_code_pattern"
    assert "应为18位" in caught.value.messages[0]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_it_rejects_the_letters_the_standard_leaves_out(letter):
    code = credit_code(1)
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code[:10] + letter + code[11:])

    assert caught.value.code == "credit_code_pattern"
    assert "除I、O、Z、S、V以外" in caught.value.messages[0]


def test_it_rejects_letters_where_the_region_code_must_be_digits():
    code = credit_code(1)
    with pytest.raises(ValidationError):
        validate_credit_code(code[:2] + "A" + code[3:])


def test_it_rejects_lower_case_letters():
    with pytest.raises(ValidationError):
        validate_credit_code("91440300708461136t")


@pytest.mark.parametrize("code", ["990001", "990001001", "990001001001"])
def test_it_accepts_region_codes_of_6_9_or_12_digits(code):
    validate_region_code(code)


@pytest.mark.parametrize("code", ["99000", "9900010", "99000100100", "99000A", ""])
def test_it_rejects_other_region_codes(code):
    with pytest.raises(ValidationError, match="6、9或12位"):
        validate_region_code(code)


@pytest.mark.django_db
def test_it_refuses_to_save_a_department_with_a_bad_code_and_writes_nothing():
    before = (Department.objects.count(), AuditEvent.objects.count())

    with pytest.raises(ValidationError) as caught:
        services.save_department(actor=None, department=Department(
            name="测试县税务局", credit_code=with_wrong_check_char(credit_code(7)), region_code="990001",
        ))

    assert set(caught.value.message_dict) == {"credit_code"}
    assert (Department.objects.count(), AuditEvent.objects.count()) == before
