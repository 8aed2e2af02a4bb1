"""Public tracking: the QR page shows progress with the name masked and never an ID number or phone;
lookup by case number + query password; rate limits per IP and per case number; the decision notice."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from onewindow.cases import services
from onewindow.cases.choices import ApplicantKind, CertType
from onewindow.core.masking import mask_id_number, mask_phone
from onewindow.org.choices import Role
from onewindow.testing import (
    credit_code,
    make_county,
    make_department,
    make_item,
    make_user,
    person,
    synthetic_id_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def item(county):
    return make_item(make_department(), handling_forms=["1", "2"])


@pytest.fixture
def clerk(county):
    return make_user("clerk", Role.CLERK, centre=county)


@pytest.fixture
def approver(item):
    return make_user("approver", Role.APPROVER, department=item.department, section=item.department.sections.first())


def _all_material_ids(item):
    return [m["id"] for m in item.guides.get(status="published").materials]


@pytest.fixture
def case(clerk, item, county):
    return services.receive_case(actor=clerk, item=item, applicant=person(3, name="王小明", phone="13912345678"),
                                 centre=county, received_material_ids=_all_material_ids(item)).case


def _track(client, case, **extra):
    return client.get(reverse("cases:track", args=[case.tracking_code]), **extra)


def test_the_tracking_page_shows_progress_with_the_name_masked(client, case):
    response = _track(client, case)
    html = response.content.decode()
    assert response.status_code == 200
    assert "王**" in html and "王小明" not in html
    assert synthetic_id_number(3) not in html and mask_id_number(synthetic_id_number(3)) not in html
    assert "13912345678" not in html and mask_phone("13912345678") not in html
    assert f">{case.query_password}<" not in html
    assert case.item.name in html and case.centre.name in html and "已收件" in html


def test_the_tracking_page_is_private_and_not_indexed(client, case):
    response = _track(client, case)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_an_enterprise_name_is_public(client, clerk, item, county):
    enterprise = services.ApplicantData(kind=ApplicantKind.ENTERPRISE, name="测试餐饮有限公司", cert_type=CertType.CREDIT_CODE,
                                        cert_number=credit_code(42), phone="13912345678", legal_representative="王五")
    case = services.receive_case(actor=clerk, item=item, applicant=enterprise, centre=county).case
    html = _track(client, case).content.decode()
    assert "测试餐饮有限公司" in html and "王五" not in html and "13912345678" not in html


def test_an_unknown_code_gets_a_friendly_404(client, case):
    response = client.get(reverse("cases:track", args=["no-such-code"]))
    assert response.status_code == 404 and "没有找到这个办件" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_timeline_shows_steps_and_dates_but_no_opinions(client, case, clerk, approver):
    case = services.accept_case(actor=clerk, case=case, opinion="内部意见：材料齐全")
    case = services.start_review(actor=approver, case=case)
    html = _track(client, case).content.decode()
    assert "已受理" in html and "开始审查" in html and "内部意见" not in html
    assert case.due_date.strftime("%Y-%m-%d") in html


def _decide(case, clerk, approver, approve=True):
    case = services.accept_case(actor=clerk, case=case)
    case = services.start_review(actor=approver, case=case)
    return services.decide_case(actor=approver, case=case, approve=approve, opinion="符合条件，准予许可")


def test_a_decided_case_offers_the_decision_notice(client, case, clerk, approver):
    case = _decide(case, clerk, approver)
    html = _track(client, case).content.decode()
    url = reverse("cases:track_notice", args=[case.tracking_code, "decision"])
    assert url in html and "准予行政许可决定书" in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]


def test_notices_that_do_not_exist_yet_or_are_not_public_are_not_found(client, case, clerk, approver):
    assert client.get(reverse("cases:track_notice", args=[case.tracking_code, "decision"])).status_code == 404
    assert client.get(reverse("cases:track_notice", args=[case.tracking_code, "pending_promise"])).status_code == 404
    assert client.get(reverse("cases:track_notice", args=[case.tracking_code, "etc"])).status_code == 404
    assert client.get(reverse("cases:track_notice", args=["nope", "receipt"])).status_code == 404
    assert client.get(reverse("cases:track_notice", args=[case.tracking_code, "receipt"])).status_code == 200


def _lookup(client, number, password, ip="10.0.0.1"):
    return client.post(reverse("cases:track_lookup"), {"number": number, "password": password}, REMOTE_ADDR=ip)


def test_lookup_with_the_right_password_goes_to_the_tracking_page(client, case):
    response = _lookup(client, case.number, case.query_password)
    assert response.status_code == 302 and response["Location"] == reverse("cases:track", args=[case.tracking_code])


def _wrong(password):
    return f"{(int(password) + 1) % 10**6:06d}"


def test_lookup_says_the_same_for_an_unknown_number_and_a_wrong_password(client, case):
    wrong = _lookup(client, case.number, _wrong(case.query_password))
    unknown = _lookup(client, "990001209901010000001", "123456")
    assert wrong.status_code == unknown.status_code == 200
    message = "办件编号或查询密码不正确"
    assert message in wrong.content.decode() and message in unknown.content.decode()
    assert case.tracking_code not in wrong.content.decode()


def test_lookup_checks_the_password_format(client, case):
    html = _lookup(client, case.number, "12ab").content.decode()
    assert "查询密码是6位数字" in html and 'href="#id_password"' in html


def test_lookup_is_limited_per_case_number(client, case):
    for i in range(5):
        assert _lookup(client, case.number, _wrong(case.query_password), ip=f"10.0.1.{i}").status_code == 200
    limited = _lookup(client, case.number, case.query_password, ip="10.0.2.1")
    assert limited.status_code == 429 and "尝试次数过多" in limited.content.decode()
    assert "no-store" in limited["Cache-Control"]


def test_lookup_is_limited_per_ip_and_other_addresses_go_on(client, case):
    for i in range(10):
        _lookup(client, f"99000120990101000000{i}", "123456", ip="10.0.0.7")
    assert _lookup(client, case.number, case.query_password, ip="10.0.0.7").status_code == 429
    assert _lookup(client, case.number, case.query_password, ip="10.0.0.8").status_code == 302


def test_the_tracking_page_is_rate_limited_per_ip(client, case, settings):
    settings.ONEWINDOW_RATE_LIMITS = {**settings.ONEWINDOW_RATE_LIMITS, "track_page_ip": (3, 60)}
    for _ in range(3):
        assert _track(client, case, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert _track(client, case, REMOTE_ADDR="10.0.0.9").status_code == 429
    assert _track(client, case, REMOTE_ADDR="10.0.0.10").status_code == 200
    assert client.get(reverse("cases:track", args=["guess"]), REMOTE_ADDR="10.0.0.9").status_code == 429


# ---- The tracking page's caches (views_public.track): a change shows at once; tokens are never shared ----


def test_a_cached_tracking_page_shows_a_change_on_the_next_request(client, case, clerk):
    assert "已收件" in _track(client, case).content.decode()
    assert "已收件" in _track(client, case).content.decode()  # now from the cache
    services.accept_case(actor=clerk, case=case)
    html = _track(client, case).content.decode()
    assert "已受理" in html and "已收件" not in html.split('class="status-line"')[1][:200]


def test_a_cached_tracking_page_carries_each_visitors_own_csrf_token(case):
    from django.test import Client

    first, second = Client(), Client()
    page_one = _track(first, case).content.decode()
    page_two = _track(second, case).content.decode()
    assert "PLACEHOLDER" not in page_one and "PLACEHOLDER" not in page_two
    token_one = page_one.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    token_two = page_two.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert token_one != token_two
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # The language form in the header posts with the token of the cached page.
    response = second.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token_two})
    assert response.status_code == 302


def test_the_micro_cache_serves_an_anonymous_visitor_for_a_few_seconds_only(client, case, clerk, settings):
    settings.ONEWINDOW_TRACK_MICROCACHE_SECONDS = 5
    assert "已收件" in _track(client, case).content.decode()
    services.accept_case(actor=clerk, case=case)
    # Within the micro-cache's seconds an anonymous visitor may still see the old state ...
    assert "已收件" in _track(client, case).content.decode()
    # ... and once it has expired (cleared here) the new one.
    assert cache.delete(f"track-micro:{case.tracking_code}:zh-hans::")
    assert "已受理" in _track(client, case).content.decode()


def test_the_applicant_always_sees_a_fresh_page_with_their_own_link(client, case, clerk):
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create_user(username="owner-app", password="x" * 12)
    services.upsert_applicant(person(3, name="王小明", phone="13912345678"), user=owner)
    assert "my/cases/" not in _track(client, case).content.decode()  # the public page is now cached
    client.force_login(owner)
    html = _track(client, case).content.decode()
    assert reverse("cases:my_case_detail", args=[case.number]) in html
