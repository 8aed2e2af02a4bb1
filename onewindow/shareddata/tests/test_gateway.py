"""The gateway against a local HTTP register: auth, retries, timeouts, unreachable sources, the per-case cache,
the audit log with hashed ID numbers, the sandbox and the licence library."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.cases import services as case_services
from onewindow.core.errors import ForbiddenError
from onewindow.shareddata import services
from onewindow.shareddata.models import DataCall, DataSource
from onewindow.testing import Role, make_county, make_department, make_item, make_user, person

from .server import closed_port, local_register

pytestmark = pytest.mark.django_db

FIELDS = [{"key": "household_address", "label": "户籍地址", "form_field": "address"},
          {"key": "ethnicity", "label": "民族"}]


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setenv("POP_REGISTER_TOKEN", "Bearer secret-token")
    county = make_county()
    dept = make_department()
    item = make_item(dept, materials=2)
    clerk = make_user("clerk", Role.CLERK, centre=county)
    case = case_services.receive_case(actor=clerk, item=item, applicant=person(), centre=county).case
    return {"county": county, "clerk": clerk, "case": case, "dept": dept}


def http_source(url: str, **config) -> DataSource:
    source = DataSource(code="population", name="人口库", owner_name="县公安局", kind="population", subject_types=["111"],
                        fields=FIELDS, satisfies_material_kinds=["id_card"],
                        adapter="onewindow.shareddata.adapters.HttpJsonAdapter",
                        config={"url": url, "auth_value_env": "POP_REGISTER_TOKEN", "result_path": "data",
                                "timeout": 2, "retries": 1, **config})
    source.full_clean()
    source.save()
    return source


def ask(world, source, **kwargs):
    return services.query(actor=world["clerk"], source=source, subject_code=world["case"].applicant.cert_number,
                          purpose="受理核验户籍", case=world["case"], **kwargs)


def test_it_fetches_with_the_auth_header_and_keeps_only_declared_fields(world):
    with local_register() as (url, register):
        register.records[world["case"].applicant.cert_number] = {"household_address": "测试县人民路1号",
                                                                   "ethnicity": "汉", "religion": "不应返回"}
        result = ask(world, http_source(url))
    assert result.ok and result.data == {"household_address": "测试县人民路1号", "ethnicity": "汉"}
    assert register.requests[0]["auth"] == "Bearer secret-token"


def test_every_call_is_logged_with_the_id_number_hashed(world):
    with local_register() as (url, register):
        register.records[world["case"].applicant.cert_number] = {"household_address": "x"}
        source = http_source(url)
        ask(world, source)
    call = DataCall.objects.get()
    number = world["case"].applicant.cert_number
    assert call.actor == world["clerk"] and call.case == world["case"] and call.purpose == "受理核验户籍"
    assert call.fields == ["household_address", "ethnicity"] and call.outcome == "ok"
    assert call.subject_hash == case_services.cert_index("111", number)
    assert call.subject_masked == number[:6] + "********" + number[-4:]
    event = AuditEvent.objects.get(action="shareddata_query")
    logged = json.dumps(event.data, ensure_ascii=False) + event.summary
    assert number not in logged and call.subject_hash in logged
    assert number not in json.dumps(list(DataCall.objects.values()), default=str)


def test_results_are_cached_per_case(world):
    with local_register() as (url, register):
        register.records[world["case"].applicant.cert_number] = {"household_address": "x"}
        source = http_source(url)
        first = ask(world, source)
        second = ask(world, source)
        assert len(register.requests) == 1
        assert not first.from_cache and second.from_cache and second.data == first.data
        ask(world, source, refresh=True)
        assert len(register.requests) == 2
    assert DataCall.objects.count() == 3  # cache hits are logged too


def test_a_busy_register_is_retried(world):
    with local_register() as (url, register):
        register.records[world["case"].applicant.cert_number] = {"household_address": "x"}
        register.fail_first = 1
        result = ask(world, http_source(url))
    assert result.ok and result.attempts == 2


def test_no_record_is_not_a_failure(world):
    with local_register() as (url, _register):
        result = ask(world, http_source(url))
    assert result.outcome == "not_found" and not result.failed and "没有该证件号码的记录" in result.message


def test_a_slow_register_times_out_with_a_clear_message_and_the_manual_fallback(world):
    with local_register() as (url, register):
        register.delay = 1.0
        result = ask(world, http_source(url, timeout=0.2, retries=0))
    assert result.outcome == "timeout" and result.failed
    assert "人口库" in result.message and "0.2 秒内没有响应" in result.message
    assert "纸质材料" in result.fallback
    assert DataCall.objects.get().outcome == "timeout"


def test_an_unreachable_register_gives_a_clear_message(world):
    source = http_source(f"http://127.0.0.1:{closed_port()}/registers", retries=1)
    result = ask(world, source)
    assert result.outcome == "unavailable" and result.attempts == 2
    assert "无法连接数据源" in result.message and "纸质材料" in result.fallback


def test_a_wrong_credential_is_not_retried_and_says_so(world, monkeypatch):
    monkeypatch.setenv("POP_REGISTER_TOKEN", "Bearer wrong")
    with local_register() as (url, register):
        result = ask(world, http_source(url))
    assert result.outcome == "error" and "HTTP 401" in result.message and len(register.requests) == 1


def test_purpose_case_and_a_staff_actor_are_required(world):
    source = http_source("http://127.0.0.1:9/x")
    with pytest.raises(ValidationError):
        services.query(actor=world["clerk"], source=source, subject_code="1", purpose=" ", case=world["case"])
    outsider = make_user("outsider")
    with pytest.raises(ForbiddenError):
        services.query(actor=outsider, source=source, subject_code="1", purpose="x", case=world["case"])


def test_sources_refuse_secrets_in_config_and_unknown_adapters():
    source = DataSource(code="bad", name="x", kind="other", subject_types=["111"], fields=[],
                        adapter="os.system", config={})
    with pytest.raises(ValidationError) as exc:
        source.full_clean()
    assert "adapter" in exc.value.error_dict
    source = DataSource(code="bad", name="x", kind="other", subject_types=["111"], fields=[],
                        config={"url": "http://x", "auth_value": "Bearer leaked"})
    with pytest.raises(ValidationError, match="auth_value_env"):
        source.full_clean()


def test_the_sandbox_is_labelled_and_prefills_forms(world):
    source = DataSource(code="demo_population", name="人口库", kind="population", subject_types=["111"],
                        fields=[{"key": "household_address", "label": "户籍地址", "form_field": "address",
                                 "sample": "演示县演示路1号"}],
                        satisfies_material_kinds=["id_card"], adapter="onewindow.shareddata.adapters.SandboxAdapter",
                        is_sandbox=True)
    source.full_clean()
    source.save()
    assert "演示沙箱" in str(source)
    assert services.prefill_for_case(world["case"]) == {}
    result = ask(world, source)
    assert result.ok and result.sandbox
    assert services.prefill_for_case(world["case"]) == {"address": "演示县演示路1号"}
    satisfied = services.satisfy_materials_from_data(actor=world["clerk"], case=world["case"])
    assert [m.kind for m in satisfied] == ["id_card"]
    assert "演示沙箱数据" in satisfied[0].note


def test_the_sandbox_adapter_needs_the_sandbox_label():
    source = DataSource(code="demo", name="x", kind="other", subject_types=["111"], fields=[],
                        adapter="onewindow.shareddata.adapters.SandboxAdapter", is_sandbox=False)
    with pytest.raises(ValidationError):
        source.full_clean()


def test_a_crashing_adapter_is_reported_not_raised(world, monkeypatch):
    source = http_source("http://127.0.0.1:9/x")
    monkeypatch.setattr("onewindow.shareddata.adapters.HttpJsonAdapter.fetch",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    result = ask(world, source)
    assert result.outcome == "error" and result.failed
