"""Builders for tests and benchmarks: data goes through the same services the product uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from onewindow.catalog import services as catalog_services
from onewindow.catalog.choices import CaseKind, ItemType, Necessity
from onewindow.catalog.models import Material, ServiceItem
from onewindow.core.validators import credit_code_check_char
from onewindow.org import services as org_services
from onewindow.org.choices import CentreLevel, Role
from onewindow.org.models import Department, Section, ServiceCentre

PASSWORD = "Test-pass-2026!"


def credit_code(seed: int) -> str:
    """A synthetic but valid unified social credit code (11 = 机关, region 990000 is not a real county)."""
    first17 = f"11990000{seed:09d}"[:17]
    return first17 + credit_code_check_char(first17)


def make_county(name: str = "测试县") -> ServiceCentre:
    return org_services.save_centre(
        actor=None, centre=ServiceCentre(code="county", name=f"{name}政务服务中心", level=CentreLevel.COUNTY,
                                         region_code="990001"),
    )


def make_centre(parent: ServiceCentre, code: str, level: str = CentreLevel.TOWNSHIP, name: str = "") -> ServiceCentre:
    return org_services.save_centre(
        actor=None, centre=ServiceCentre(code=code, name=name or f"{code}便民服务中心", level=level, parent=parent,
                                         region_code="990001001"),
    )


def make_department(seed: int = 1, name: str = "测试县市场监督管理局") -> Department:
    dept = org_services.save_department(
        actor=None, department=Department(name=name, short_name=name[:6], credit_code=credit_code(seed),
                                          region_code="990001", order=seed),
    )
    Section.objects.get_or_create(department=dept, code="main", defaults={"name": "审批科"})
    return dept


def make_item(department: Department, basic_code: str = "000123456000", name: str = "食品经营许可",
              promised_days: int = 5, statutory_days: int = 20, publish: bool = True, materials: int = 2,
              **fields: Any) -> ServiceItem:
    item = ServiceItem(
        basic_code=basic_code, implementation_code=department.credit_code + "4" + basic_code, name=name,
        item_type=fields.pop("item_type", ItemType.LICENSING), department=department,
        section=department.sections.first(), target_groups=fields.pop("target_groups", ["1", "2"]),
        case_kind=fields.pop("case_kind", CaseKind.PROMISED if promised_days else CaseKind.INSTANT),
        statutory_days=statutory_days, promised_days=promised_days, handling_forms=fields.pop("handling_forms", ["1", "2"]),
        **fields,
    )
    catalog_services.save_item(actor=None, item=item)
    for i in range(materials):
        catalog_services.save_material(actor=None, material=Material(
            item=item, order=i, name=["营业执照复印件", "法定代表人身份证明", "经营场所证明", "申请书"][i % 4],
            kind=["business_licence", "id_card", "premises", "application"][i % 4], originals=1, copies=1,
            necessity=Necessity.DEFERRABLE if i == 1 else Necessity.REQUIRED,
        ))
    if publish:
        catalog_services.publish_guide(actor=None, item=item)
    return item


def make_user(username: str, role: str | None = None, **scope: Any) -> Any:
    User = get_user_model()
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=username)
    if role:
        org_services.assign_role(actor=None, user=user, role=role, **scope)
    return user


__all__ = ["PASSWORD", "Role", "credit_code", "make_centre", "make_county", "make_department", "make_item", "make_user"]


def synthetic_id_number(seed: int = 1, birth: str = "19800101") -> str:
    """A checksum-valid ID number in the non-existent area 990000, built at run time (never a literal)."""
    from onewindow.core.validators import id_number_check_char

    first17 = f"990000{birth}{seed % 1000:03d}"
    return first17 + id_number_check_char(first17)


def person(seed: int = 1, name: str = "张三", phone: str = "13800000000") -> Any:
    from onewindow.cases.choices import ApplicantKind, CertType
    from onewindow.cases.services import ApplicantData

    return ApplicantData(kind=ApplicantKind.PERSON, name=name, cert_type=CertType.ID_CARD,
                         cert_number=synthetic_id_number(seed), phone=phone)


def ensure_calendar_seeded() -> None:
    """Transactional tests (live server, concurrency) end with a flush that also removes the calendar rows
    the seed migration wrote; put them back so the next test sees the official schedule."""
    from onewindow.workdays.models import CalendarYear
    from onewindow.workdays.services import seed_from_chinese_calendar

    if not CalendarYear.objects.exists():
        seed_from_chinese_calendar(actor=None)


def run_at_once(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Concurrency tests: start every job at the same instant (a barrier), each in its own thread with its own
    database connection; return their results and the exceptions they raised."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def work(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()  # each thread owns one connection; leave none behind

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results, errors


def totp_code(user: Any, offset: int = 0) -> str:
    """The current code (offset in 30-second steps) of the user's confirmed TOTP device, creating one if the
    user has none. django-otp refuses a code twice, so a second login within 30 s passes offset=1."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def mark_second_factor_verified(request: Any, user: Any) -> None:
    """For tests' client.login / force_login: give a staff session the second factor a real login would have
    (a confirmed TOTP device in the session), so tests of other features need not type codes."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not (user.is_staff or user.is_superuser) or request is None or not hasattr(request, "session"):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def browser_staff_login(page: Any, live_server: Any, username: str, password: str = "", next_url: str = "") -> None:
    """Log a staff member in through the real two-step login in a Playwright page: password, then the TOTP code
    of the user's device (created if missing). `live_server` is the fixture (its URL is the page's base)."""
    import re
    from urllib.parse import quote

    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.get(username=username)
    code = totp_code(user)
    base = live_server.url if live_server is not None else ""  # None: the page's base_url is the live server
    page.goto(f"{base}/accounts/login/" + (f"?next={quote(next_url)}" if next_url else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", password or PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r"/accounts/login/(verify|enrol)/"))
    page.fill("#id_code", code)
    page.press("#id_code", "Enter")
    page.wait_for_url(lambda url: "/accounts/login" not in url)
