"""Demo cases in every state, made through the real lifecycle services at past instants.

Deterministic (seeded) and idempotent: each case has the idempotency key `demo:<n>`, so running the
demo again skips what exists. Applicants are fictional: names from a list, checksum-valid ID numbers in
the non-existent area 990000, built at run time.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from onewindow.cases import services
from onewindow.cases.choices import ApplicantKind, CertType, DeliveryMethod, SpecialProcedureKind
from onewindow.cases.models import Case
from onewindow.catalog.choices import CaseKind, Necessity, ReviewMode
from onewindow.catalog.models import ServiceItem
from onewindow.core import clock
from onewindow.core.validators import credit_code_check_char, id_number_check_char
from onewindow.org.choices import CentreLevel, Role
from onewindow.org.models import ServiceCentre, StaffRole
from onewindow.workdays.calendar import get_calendar

logger = logging.getLogger("onewindow.demo")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "晨", "欣怡", "子涵", "浩然", "雨桐"]
COMPANY_WORDS = ["清源", "禾丰", "嘉禾", "宏达", "锦程", "恒信", "鑫源", "瑞丰", "福满", "德顺", "新农", "和美"]
COMPANY_KINDS = ["农业科技有限公司", "餐饮管理有限公司", "商贸有限公司", "建筑工程有限公司", "食品有限公司", "物流有限公司"]

# Target final states and their weights (a living county: most cases are done).
STATES = [
    ("archived", 30), ("delivered", 25), ("approved", 12), ("approved_pending", 4), ("denied", 3),
    ("in_review", 14), ("accepted", 10), ("special", 3), ("correction", 6), ("received", 4), ("submitted", 5),
    ("refused", 3), ("withdrawn", 2), ("revoked", 1), ("instant", 18),
]


def _person(rng: random.Random, n: int) -> services.ApplicantData:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    first17 = f"990000{birth:%Y%m%d}{n % 1000:03d}"
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    return services.ApplicantData(kind=ApplicantKind.PERSON, name=name, cert_type=CertType.ID_CARD,
                                  cert_number=first17 + id_number_check_char(first17), phone=phone)


def _enterprise(rng: random.Random, n: int) -> services.ApplicantData:
    first17 = f"91990000{n:09d}"[:17]
    name = f"{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}"
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    return services.ApplicantData(kind=ApplicantKind.ENTERPRISE, name=name + f"（{n}号）", cert_type=CertType.CREDIT_CODE,
                                  cert_number=first17 + credit_code_check_char(first17), phone=phone,
                                  legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN))


class _Staff:
    """Picks a real demo user for each step where one exists, else the demo back-office superuser."""

    def __init__(self) -> None:
        User = get_user_model()
        self.fallback = User.objects.filter(is_superuser=True).order_by("pk").first()
        if self.fallback is None:
            self.fallback = User.objects.create_superuser("demo_system", password=None, first_name="演示后台")
        # Staged review needs a checker other than the undertaker; an account nobody can log in to.
        self.checker, _created = User.objects.get_or_create(
            username="demo_checker", defaults={"first_name": "审核岗（演示）", "is_superuser": True, "is_staff": True})
        if _created:
            self.checker.set_unusable_password()
            self.checker.save(update_fields=["password"])
        self.clerks: dict[int, Any] = {}
        self.reviewers: dict[int, Any] = {}
        for role in StaffRole.objects.select_related("user"):
            if role.role == Role.CLERK and role.centre_id:
                self.clerks.setdefault(role.centre_id, role.user)
            if role.role in (Role.APPROVER, Role.SECTION_HEAD) and role.section_id:
                self.reviewers.setdefault(role.section_id, role.user)

    def clerk(self, centre: ServiceCentre) -> Any:
        return self.clerks.get(centre.pk, self.fallback)

    def reviewer(self, case: Case) -> Any:
        # Staged review needs distinct people at each stage and a section head at the end: the fallback
        # superuser covers the stages no demo user holds.
        return self.reviewers.get(case.section_id or 0, self.fallback)


def _material_ids(item: ServiceItem, include_deferrable: bool = True) -> tuple[list[int], list[int]]:
    guide = item.guides.get(status="published")
    ids, deferrable = [], []
    for m in guide.materials:
        if m["necessity"] == Necessity.DEFERRABLE:
            deferrable.append(m["id"])
            if include_deferrable:
                ids.append(m["id"])
        else:
            ids.append(m["id"])
    return ids, deferrable


def generate_cases(*, count: int = 300, seed: int = 2026, days: int = 45, now: dt.datetime | None = None) -> int:
    """Create up to `count` demo cases (skipping those already there). Returns how many were created."""
    now = now or timezone.now()
    items = list(ServiceItem.objects.published().select_related("department", "section"))
    if not items:
        return 0
    promised = [i for i in items if i.case_kind == CaseKind.PROMISED] or items
    instant = [i for i in items if i.case_kind == CaseKind.INSTANT] or promised
    county = ServiceCentre.objects.filter(level=CentreLevel.COUNTY).first()
    if county is None:
        return 0
    townships = list(ServiceCentre.objects.filter(level__in=[CentreLevel.TOWNSHIP, CentreLevel.BANK_OUTLET]))
    staff = _Staff()
    calendar = get_calendar()
    # Online cases carry the key scoped to their user ("u7:demo:12"); keep the "demo:<n>" part.
    keys = Case.objects.filter(idempotency_key__contains="demo:").values_list("idempotency_key", flat=True)
    existing = {k[k.index("demo:"):] for k in keys if k}
    states = [s for s, _w in STATES]
    weights = [w for _s, w in STATES]
    created = 0
    for n in range(count):
        key = f"demo:{n}"
        if key in existing:
            continue
        # One generator per case: a rerun that skips existing cases draws the same values for the others.
        rng = random.Random(f"{seed}:{n}")
        # The first cases walk through every state once, so every screen has content even in a small demo.
        state = states[n] if n < len(states) else rng.choices(states, weights)[0]
        pool = instant if state == "instant" else promised
        item = rng.choice(pool)
        enterprise = "2" in item.target_groups and ("1" not in item.target_groups or rng.random() < 0.5)
        applicant = _enterprise(rng, n) if enterprise else _person(rng, n)
        age_days = rng.randrange(0, days)
        start = now - dt.timedelta(days=age_days, hours=rng.randrange(0, 6), minutes=rng.randrange(60))
        start = start.replace(hour=rng.randrange(9, 16))
        if start > now:
            start = now - dt.timedelta(minutes=30)
        use_township = item.county_wide and townships and rng.random() < 0.35
        centre = rng.choice(townships) if use_township else county
        try:
            with transaction.atomic():
                _play(state, item, applicant, centre, start, now, key, staff, calendar, rng)
            created += 1
        except Exception as exc:  # noqa: BLE001 - a demo case that does not fit an item's rules is skipped
            logger.debug("demo_case_skipped n=%s state=%s item=%s reason=%s", n, state, item.pk, exc)
    return created


def _at(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    return min(moment, now - dt.timedelta(minutes=1))


def _play(state: str, item: ServiceItem, applicant: services.ApplicantData, centre: ServiceCentre,
          start: dt.datetime, now: dt.datetime, key: str, staff: _Staff, calendar: Any, rng: random.Random) -> None:
    clerk = staff.clerk(centre)
    ids, deferrable = _material_ids(item)
    t = start
    if state == "instant":
        with clock.frozen(t):
            services.complete_instant(actor=clerk, item=item, applicant=applicant, centre=centre,
                                      received_material_ids=ids, idempotency_key=key)
        return
    if state == "submitted":
        from onewindow.cases.auth import ensure_applicant_account

        user = ensure_applicant_account(phone=applicant.phone, name=applicant.name)
        with clock.frozen(t):
            services.submit_online(actor=user, item=item, applicant=applicant, idempotency_key=key)
        return
    with_pending = state == "approved_pending" and deferrable
    received = ids if not with_pending else [i for i in ids if i not in deferrable]
    if state == "correction" and rng.random() < 0.5:
        received = received[:-1]
    with clock.frozen(t):
        case = services.receive_case(actor=clerk, item=item, applicant=applicant, centre=centre,
                                     received_material_ids=received, idempotency_key=key).case
    if state == "received":
        return
    if state == "refused":
        with clock.frozen(_at(t + dt.timedelta(minutes=10), now)):
            services.refuse_case(actor=clerk, case=case, reason="申请事项不属于本机关职权范围",
                                 redirect_to="请向市级主管部门申请")
        return
    if state == "correction" and set(received) != set(ids):
        with clock.frozen(_at(t + dt.timedelta(minutes=10), now)):
            services.request_correction(actor=clerk, case=case, items=[
                {"material": "申请材料", "problem": "缺少材料或签字不全，请补齐后再次提交"}])
        return
    t = t + dt.timedelta(minutes=15)
    pending = {d: (t + dt.timedelta(days=10)).date() for d in deferrable} if with_pending else {}
    with clock.frozen(_at(t, now)):
        case = services.accept_case(actor=clerk, case=case, pending=pending,
                                    promise_text="本人承诺在期限内补齐容缺材料" if pending else "")
    if state == "accepted":
        return
    if state == "withdrawn":
        with clock.frozen(_at(t + dt.timedelta(days=1), now)):
            services.withdraw_case(actor=clerk, case=case, reason="申请人书面申请撤回")
        return
    reviewer = staff.reviewer(case)
    t = t + dt.timedelta(days=1)
    with clock.frozen(_at(t, now)):
        case = services.start_review(actor=reviewer, case=case)
    if state == "in_review":
        return
    if state == "correction":
        with clock.frozen(_at(t + dt.timedelta(hours=2), now)):
            services.request_correction(actor=reviewer, case=case, items=[
                {"material": "经营场所证明", "problem": "租赁合同未附产权证明，请一并补交"}])
        return
    if state == "special":
        with clock.frozen(_at(t + dt.timedelta(hours=2), now)):
            services.start_special_procedure(actor=reviewer, case=case, kind=SpecialProcedureKind.SITE_INSPECTION,
                                             reason="需组织现场核查")
        return
    if item.review_mode == ReviewMode.STAGED:
        with clock.frozen(_at(t + dt.timedelta(hours=1), now)):
            case = services.review_case(actor=reviewer, case=case, opinion="材料齐全，符合条件，建议准予")
            checker = staff.checker if reviewer != staff.checker else staff.fallback
            case = services.review_case(actor=checker, case=case, opinion="审核无误")
    # Decide within (usually) the promised days; a few late ones make the on-time rate honest.
    days_used = max(1, min(case.promised_days, rng.randrange(1, max(2, case.promised_days + 2))))
    decided = dt.datetime.combine(calendar.add_working_days(case.clock_start, days_used).date,
                                  dt.time(rng.randrange(9, 17), rng.randrange(60)))
    decided = timezone.make_aware(decided) if timezone.is_naive(decided) else decided
    decided = _at(max(decided, t + dt.timedelta(hours=3)), now)
    approve = state != "denied"
    decider = staff.fallback if item.review_mode == ReviewMode.STAGED else reviewer
    with clock.frozen(decided):
        case = services.decide_case(actor=decider, case=case, approve=approve,
                                    opinion="经审查，符合法定条件，准予许可" if approve else "经审查，不符合法定条件，不予许可")
    if state in ("approved", "approved_pending", "denied"):
        return
    if state == "revoked":
        with clock.frozen(_at(decided + dt.timedelta(days=2), now)):
            services.revoke_case(actor=staff.fallback, case=case, reason="申请人以欺骗手段取得许可，依法撤销")
        return
    delivered = _at(decided + dt.timedelta(hours=rng.randrange(1, 30)), now)
    ems = item.supports_express and rng.random() < 0.4
    with clock.frozen(delivered):
        case = services.deliver_case(actor=clerk, case=case, method=DeliveryMethod.EMS if ems else DeliveryMethod.PICKUP,
                                     waybill_number=f"EMS{rng.randrange(10**12):012d}CN" if ems else "",
                                     recipient="" if ems else "申请人本人")
    if state == "archived":
        with clock.frozen(_at(delivered + dt.timedelta(days=1), now)):
            services.archive_case(actor=clerk, case=case)
