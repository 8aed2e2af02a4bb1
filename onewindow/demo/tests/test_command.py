"""`onewindow demo`, `demo --logins` and `demo --file` as a person at a terminal uses them."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from onewindow.catalog.models import ServiceItem
from onewindow.core.validators import credit_code_check_char
from onewindow.demo.loader import DEMO_DATA, read_data
from onewindow.org.choices import Role
from onewindow.org.models import ServiceCentre


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_logins_prints_the_table_and_nothing_else():
    # No database marker: printing the table must not touch the database.
    lines = run("--logins").splitlines()
    data = read_data(DEMO_DATA)
    password = data["logins"]["password"]
    assert lines[0].split()[:3] == ["用户名", "密码", "角色"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    body = lines[2:]
    assert len(body) == 1 + len(data["logins"]["staff"])
    assert all(line.split()[1] == password for line in body)
    usernames = {line.split()[0] for line in body}
    assert usernames == {"admin"} | {s["username"] for s in data["logins"]["staff"]}
    for role in Role:
        assert any(str(role.label) in line for line in body), role


COUNTY = {
    "format": "onewindow-county/1",
    "county": {"name": "示例县", "region_code": "990999"},
    "departments": [{"key": "sj", "name": "示例县市场监督管理局", "credit_code": "11990999MB0000001",
                     "sections": [{"code": "dj", "name": "登记科"}]}],
    "centres": [
        {"code": "sl-county", "name": "示例县政务服务中心", "level": "county", "region_code": "990999"},
        {"code": "sl-town", "name": "示例镇便民服务中心", "level": "township", "parent": "sl-county",
         "region_code": "990999100", "accepted_items": ["000131127004"]},
    ],
    "items": [{"basic_code": "000131127004", "name": "有限责任公司设立登记", "department": "sj", "section": "dj",
               "item_type": "01", "target_groups": ["2"], "handling_forms": ["1", "2"], "statutory_days": 3,
               "promised_days": 0,
               "result_name": "营业执照", "materials": [{"name": "公司登记（备案）申请书", "kind": "application_form"}]}],
    "windows": [{"centre": "sl-county", "number": "01", "name": "综合窗口1"}],
}


@pytest.mark.django_db
def test_another_county_loads_its_own_file(tmp_path):
    path = tmp_path / "county.json"
    path.write_text(json.dumps(COUNTY, ensure_ascii=False), encoding="utf-8")
    out = run("--file", str(path))
    assert out.startswith("示例县：已载入") and "事项 1（新建 1，" in out
    item = ServiceItem.objects.published().get()
    first17 = "11990999MB0000001"
    assert item.implementation_code == first17 + credit_code_check_char(first17) + "4000131127004"
    assert item.case_kind == "1"  # instant because promised_days is 0
    town = ServiceCentre.objects.get(code="sl-town")
    assert town.may_accept(item)
    assert ServiceCentre.objects.count() == 2
    assert run("--file", str(path)).startswith("示例县：已是最新，未作改动")


@pytest.mark.django_db
def test_a_bad_file_is_a_clear_command_error_and_writes_nothing(tmp_path):
    bad = json.loads(json.dumps(COUNTY))
    bad["centres"][1]["parent"] = "nowhere"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match=r"centres\[1\]（sl-town 示例镇便民服务中心）: 未知上级中心 'nowhere'"):
        run("--file", str(path))
    assert ServiceCentre.objects.count() == 0


def test_broken_json_and_missing_files_are_command_errors(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "onewindow-county/1",\n  "county": }', encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 行"):
        run("--file", str(path))
    with pytest.raises(CommandError, match="找不到数据文件"):
        run("--file", str(tmp_path / "missing.json"))
