"""The data file itself: fictional, valid, and the only place names live (no database needed)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onewindow.core.validators import validate_credit_code
from onewindow.demo.loader import DEMO_DATA, CountyDataError, full_credit_code, read_data, validate

# 18-character resident ID number: 6-digit area, birth date, sequence, check digit or X.
ID_NUMBER = re.compile(r"[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]")
LONG_DIGITS = re.compile(r"\d{15,}")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.fixture
def data():
    return read_data(DEMO_DATA)


def test_the_demo_file_is_valid(data):
    validate(data)


def test_no_string_in_the_data_file_looks_like_an_id_number(data):
    raw = DEMO_DATA.read_text(encoding="utf-8")
    assert not ID_NUMBER.search(raw)
    assert not LONG_DIGITS.search(raw)
    offenders = [s for s in strings(data) if ID_NUMBER.search(s)]
    assert offenders == []


def test_generated_codes_do_not_look_like_id_numbers_either(data):
    for dept in data["departments"]:
        code = full_credit_code(dept["credit_code"])
        validate_credit_code(code)
        assert not ID_NUMBER.search(code)
        for item in (i for i in data["items"] if i["department"] == dept["key"]):
            level = item.get("exercise_level", data["item_defaults"]["exercise_level"])
            assert not ID_NUMBER.search(code + level + item["basic_code"])


def phones(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if "phone" in key and isinstance(item, str):
                yield item
            else:
                yield from phones(item)
    elif isinstance(value, list):
        for item in value:
            yield from phones(item)


def test_the_county_is_fictional(data):
    assert data["county"]["region_code"].startswith("99")  # no real region code begins with 99
    for centre in data["centres"]:
        assert centre["region_code"].startswith(data["county"]["region_code"])
    numbers = list(phones(data))
    assert numbers and all(p.startswith("0000-") or p == "12345" for p in numbers)


def test_no_place_name_lives_in_the_code(data):
    code_dir = Path(__file__).resolve().parents[1]
    sources = [code_dir / "loader.py", code_dir / "management" / "commands" / "demo.py"]
    names = {data["county"]["name"], data["county"]["name"][:-1], data["county"]["city"]}
    names |= {c["name"] for c in data["centres"]}
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not [n for n in names if n in text], path


def test_shape_errors_name_the_offending_entries(data):
    bad = copy.deepcopy(data)
    bad["centres"][3]["level"] = "town"
    bad["centres"][4]["parent"] = "nowhere"
    bad["items"][0]["department"] = "no-such-dept"
    bad["items"][1]["materials"][0]["necesity"] = "required"
    bad["items"][2]["promised_days"] = "3"
    bad["windows"][0]["items"] = ["NOSUCHITEM01"]
    bad["logins"]["staff"][0]["role"] = "janitor"
    with pytest.raises(CountyDataError) as exc:
        validate(bad)
    text = "\n".join(exc.value.problems)
    assert "centres[3]（chengguan 城关镇便民服务中心）: 字段“level”的值" in text and "'town' 无效" in text
    assert "未知上级中心 'nowhere'" in text
    assert "未知部门 'no-such-dept'" in text
    assert "materials[0]: 未知字段“necesity”" in text
    assert "字段“promised_days”应为非负整数" in text
    assert "'NOSUCHITEM01' 不在 items 中" in text
    assert "未知角色 'janitor'" in text


def test_duplicates_are_reported(data):
    bad = copy.deepcopy(data)
    bad["items"].append(copy.deepcopy(bad["items"][0]))
    bad["centres"].append(copy.deepcopy(bad["centres"][1]))
    with pytest.raises(CountyDataError) as exc:
        validate(bad)
    text = "\n".join(exc.value.problems)
    assert "基本编码重复" in text and "中心编码重复" in text
