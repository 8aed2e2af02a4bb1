"""The bulk path of `onewindow simulate --bulk`: a county-year in minutes, still by the domain rules.

Going through the services costs a dozen statements per step (locks, history, audit, outbox); a county-year is
about 1.4 million cases and 6 million steps. Here the same rules are applied in memory and the rows written
with bulk_create, in batches, each batch in one transaction:

- only items a centre may accept there (全县通办: ServiceCentre.may_accept), handled where the case service
  routes them (受办分离: services._handling_centre);
- readable case numbers with the same prefix and serial as next_case_number, the sequence row moved on after;
- the statuses a case goes through in order (received → accepted → in review → decided → delivered), with
  refusals, withdrawals and correction pauses, each step written as an append-only CaseEvent;
- the due date from the working-day calendar (promised days from the clock start, moved by a correction pause)
  and the working days used to the decision, as the case service computes them;
- visits as the case service counts them: one per on-site intake or pickup, none for online or EMS, an
  instant case handed over in the same sitting counted once;
- ratings at most one per case and stage, bad ones with a follow-up that is (mostly) rectified.

What it does not write: per-step audit rows and outbox messages (one audit event records the load), case
materials and files. The statistics are rebuilt from the written rows at the end.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from onewindow.audit.services import record_event
from onewindow.cases.choices import (
    ON_SITE_CHANNELS,
    Action,
    ApplicantKind,
    CertType,
    Channel,
    DeliveryMethod,
    Status,
)
from onewindow.cases.models import Applicant, Case, CaseEvent, CaseNumberSequence
from onewindow.cases.services import _handling_centre, cert_index
from onewindow.catalog.choices import CaseKind
from onewindow.catalog.models import ServiceItem
from onewindow.core.validators import id_number_check_char
from onewindow.org.choices import CentreLevel
from onewindow.org.models import ServiceCentre
from onewindow.workdays.calendar import get_calendar

from .simulation import HOURS, RATING_LEVELS, RATING_WEIGHTS, WEEKDAYS

CHANNEL_MIX = [(Channel.WINDOW, 50), (Channel.ONLINE_PC, 18), (Channel.MOBILE, 17), (Channel.POST, 2),
               (Channel.KIOSK, 3)]


@dataclass
class BulkResult:
    cases: int = 0
    events: int = 0
    ratings: int = 0


def bulk_simulate(*, days: int, rate: float, seed: int = 1, end: dt.date | None = None, batch_days: int = 7,
                  progress: Callable[[dt.date, int], None] | None = None) -> BulkResult:
    from onewindow.demo.cases import _Staff

    rng = random.Random(seed)
    end = end or timezone.localdate()
    first = end - dt.timedelta(days=days - 1)
    items = list(ServiceItem.objects.published().select_related("department", "section"))
    county = ServiceCentre.objects.filter(level=CentreLevel.COUNTY).first()
    if not items or county is None:
        raise ValueError("no published items or no county centre: load a county first (onewindow demo)")
    rng.shuffle(items)
    weights = [1 / (rank + 1) for rank in range(len(items))]
    townships = list(ServiceCentre.objects.filter(level__in=[CentreLevel.TOWNSHIP, CentreLevel.BANK_OUTLET]))
    accepts: dict[tuple[int, int], bool] = {}
    staff = _Staff()
    calendar = get_calendar(county.pk)
    applicants = _applicants(rng, 5000)
    serials: dict[str, int] = {}
    result = BulkResult()
    day = first
    while day <= end:
        stop = min(day + dt.timedelta(days=batch_days - 1), end)
        with transaction.atomic():
            cases: list[Case] = []
            plans: list[list[tuple[str, str, str, dt.datetime, dict[str, Any]]]] = []
            while day <= stop:
                arrivals = max(0, round(rate * WEEKDAYS[day.weekday()] * rng.uniform(0.85, 1.15)))
                for _n in range(arrivals):
                    item = rng.choices(items, weights)[0]
                    centre = rng.choice(townships) if item.county_wide and townships and rng.random() < 0.3 else county
                    key = (centre.pk, item.pk)
                    if key not in accepts:
                        accepts[key] = centre.may_accept(item)
                    if not accepts[key]:
                        centre = county
                    case, plan = _play(rng, day, item, centre, county, staff, calendar, applicants, serials, end)
                    cases.append(case)
                    plans.append(plan)
                day += dt.timedelta(days=1)
            Case.objects.bulk_create(cases, batch_size=2000)
            events = [CaseEvent(case=case, action=a, from_status=f, to_status=t, at=at, data=data,
                                actor_id=case.assignee_id if a in (Action.APPROVE, Action.DENY) else case.clerk_id)
                      for case, plan in zip(cases, plans, strict=True) for a, f, t, at, data in plan]
            CaseEvent.objects.bulk_create(events, batch_size=5000)
            result.ratings += _ratings(rng, cases, end)
            result.cases += len(cases)
            result.events += len(events)
        if progress:
            progress(stop, result.cases)
    with transaction.atomic():
        for prefix, last in serials.items():
            updated = CaseNumberSequence.objects.filter(prefix=prefix, last__lt=last).update(last=last)
            if not updated and not CaseNumberSequence.objects.filter(prefix=prefix).exists():
                CaseNumberSequence.objects.create(prefix=prefix, last=last)
        record_event(actor=None, action="simulation_bulk_loaded", object_type="stats", object_id="bulk",
                     summary=f"{result.cases} cases {first}..{end}",
                     data={"cases": result.cases, "events": result.events, "ratings": result.ratings})
    return result


def _applicants(rng: random.Random, n: int) -> list[int]:
    """A pool of synthetic applicants (area code 990000 does not exist), created once."""
    existing = list(Applicant.objects.filter(name__startswith="模拟", cert_type=CertType.ID_CARD).values_list("pk", flat=True)[:n])
    if len(existing) >= n:
        return existing
    rows = []
    for i in range(n):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
        first17 = f"990000{birth:%Y%m%d}{i % 1000:03d}"
        number = first17 + id_number_check_char(first17)
        rows.append(Applicant(kind=ApplicantKind.PERSON, name=f"模拟{i}", cert_type=CertType.ID_CARD,
                              cert_number=number, cert_index=cert_index(CertType.ID_CARD, number),
                              phone=f"139{i:08d}"))
    Applicant.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return list(Applicant.objects.filter(name__startswith="模拟", cert_type=CertType.ID_CARD).values_list("pk", flat=True)[:n])


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    hour = rng.choices(list(HOURS), list(HOURS.values()))[0]
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(60))))


def _next_workday(calendar: Any, day: dt.date, n: int) -> dt.date:
    return calendar.add_working_days(day, n).date if n else day


def _play(rng: random.Random, day: dt.date, item: ServiceItem, centre: ServiceCentre, county: ServiceCentre,
          staff: Any, calendar: Any, applicants: list[int], serials: dict[str, int], end: dt.date,
          ) -> tuple[Case, list[tuple[str, str, str, dt.datetime, dict[str, Any]]]]:
    received = _at(day, rng)
    channel: str
    if centre.level == CentreLevel.COUNTY:
        channel = rng.choices([c for c, _w in CHANNEL_MIX], [w for _c, w in CHANNEL_MIX])[0]
    else:
        by_level: dict[str, str] = {CentreLevel.TOWNSHIP: Channel.TOWNSHIP, CentreLevel.BANK_OUTLET: Channel.BANK_OUTLET}
        channel = by_level.get(centre.level, Channel.WINDOW)
    handling = _handling_centre(centre, item)
    prefix = f"{centre.region_code[:6]}{day:%Y%m%d}"
    if prefix not in serials:
        serials[prefix] = _last_serial(prefix)
    serials[prefix] += 1
    clerk = staff.clerk(centre)
    case = Case(number=f"{prefix}{serials[prefix]:07d}", tracking_code=secrets.token_urlsafe(16),
                query_password=f"{rng.randrange(10**6):06d}", item=item, guide_id=_guide(item),
                applicant_id=rng.choice(applicants), channel=channel, centre=centre, clerk=clerk,
                department_id=item.department_id, section_id=item.section_id, handling_centre=handling,
                status=Status.RECEIVED, promised_days=item.promised_days, received_at=received)
    visits = int(channel in ON_SITE_CHANNELS)
    plan: list[tuple[str, str, str, dt.datetime, dict[str, Any]]] = [
        (Action.RECEIVE, "", Status.RECEIVED, received, {"channel": channel})]
    instant = item.case_kind == CaseKind.INSTANT and channel in ON_SITE_CHANNELS
    roll = rng.random()
    if roll < 0.02:  # refused at the window (不予受理)
        case.status, case.completed_at = Status.REFUSED, received + dt.timedelta(minutes=15)
        plan.append((Action.REFUSE, Status.RECEIVED, Status.REFUSED, case.completed_at, {}))
        case.visits = visits
        return case, plan
    if roll < 0.03:  # withdrawn before acceptance
        case.status, case.completed_at = Status.WITHDRAWN, received + dt.timedelta(hours=2)
        plan.append((Action.WITHDRAW, Status.RECEIVED, Status.WITHDRAWN, case.completed_at, {}))
        case.visits = visits
        return case, plan
    accepted = received + dt.timedelta(minutes=rng.randrange(5, 40))
    case.accepted_at, case.clock_start, case.status = accepted, accepted.date(), Status.ACCEPTED
    case.due_date = calendar.due_date(case.clock_start, item.promised_days).date
    plan.append((Action.ACCEPT, Status.RECEIVED, Status.ACCEPTED, accepted, {"due_date": case.due_date.isoformat()}))
    reviewer = staff.reviewer(case)
    if instant:
        done = accepted + dt.timedelta(minutes=rng.randrange(5, 25))
        case.status, case.completed_at, case.working_days_used = Status.APPROVED, done, 0
        case.assignee = clerk
        case.delivered_at, case.delivery_method = done, DeliveryMethod.PICKUP
        plan += [(Action.APPROVE, Status.ACCEPTED, Status.APPROVED, done, {"instant": True}),
                 (Action.DELIVER, Status.APPROVED, Status.APPROVED, done, {"method": DeliveryMethod.PICKUP})]
        case.visits = visits
        return case, plan
    pauses: list[tuple[dt.date, dt.date]] = []
    status = Status.ACCEPTED
    # Processing delay in working days: most within the promise, a few over it.
    spent = rng.choice([0, 1, 1, 2, 2, 3]) if item.promised_days else 0
    spent = min(spent, item.promised_days) if rng.random() < 0.97 else item.promised_days + rng.randrange(1, 4)
    if rng.random() < 0.08:  # 一次性告知补正 during review: the clock pauses for the applicant's days
        p0 = _next_workday(calendar, case.clock_start, 1)
        p1 = p0 + dt.timedelta(days=rng.randrange(1, 6))
        pauses.append((p0, p1))
        plan += [(Action.REQUEST_CORRECTION, status, Status.CORRECTION, _at(p0, rng), {}),
                 (Action.RECEIVE_CORRECTION, Status.CORRECTION, Status.IN_REVIEW, _at(p1, rng), {})]
        case.due_date = calendar.due_date(case.clock_start, item.promised_days, pauses).date
        status = Status.IN_REVIEW
    decided_day = _next_workday(calendar, case.clock_start, spent)
    for p0, p1 in pauses:
        if p0 <= decided_day:
            decided_day = _next_workday(calendar, decided_day, calendar.count_working_days(p0, p1))
    if decided_day > end:  # still in progress at the end of the simulated period
        case.status = status if status != Status.ACCEPTED else rng.choice([Status.ACCEPTED, Status.IN_REVIEW])
        case.assignee = reviewer if case.status == Status.IN_REVIEW else None
        case.visits = visits
        return case, plan
    decided = _at(decided_day, rng)
    approve = rng.random() < 0.96
    case.status = Status.APPROVED if approve else Status.DENIED
    case.completed_at, case.assignee = decided, reviewer
    case.working_days_used = calendar.working_days_between(case.clock_start, decided_day, pauses)
    plan += [(Action.START_REVIEW, Status.ACCEPTED, Status.IN_REVIEW, accepted + dt.timedelta(hours=1), {}),
             (Action.APPROVE if approve else Action.DENY, Status.IN_REVIEW, case.status, decided, {})]
    method = rng.choices([DeliveryMethod.PICKUP, DeliveryMethod.EMS, DeliveryMethod.ELECTRONIC], [40, 35, 25])[0]
    delivered = decided + dt.timedelta(hours=rng.randrange(1, 60))
    if delivered.date() <= end:
        case.delivered_at, case.delivery_method = delivered, method
        if method == DeliveryMethod.EMS:
            case.waybill_number = f"EMS{rng.randrange(10**10):010d}"
        if method == DeliveryMethod.PICKUP:
            visits += 1
        plan.append((Action.DELIVER, case.status, case.status, delivered, {"method": method}))
    case.visits = visits
    return case, plan


_guides: dict[int, int] = {}


def _guide(item: ServiceItem) -> int:
    if item.pk not in _guides:
        _guides[item.pk] = item.guides.get(status="published").pk
    return _guides[item.pk]


def _last_serial(prefix: str) -> int:
    return CaseNumberSequence.objects.filter(prefix=prefix).values_list("last", flat=True).first() or 0


def _ratings(rng: random.Random, cases: list[Case], end: dt.date) -> int:
    from onewindow.ratings.choices import BAD_LEVELS, FollowUpStatus, Stage
    from onewindow.ratings.choices import Channel as RatingChannel
    from onewindow.ratings.models import FollowUp, Rating

    ratings, bad = [], []
    for case in cases:
        if not case.completed_at or case.status not in (Status.APPROVED, Status.DENIED) or rng.random() > 0.55:
            continue
        at = case.completed_at + dt.timedelta(hours=rng.randrange(1, 30))
        if at.date() > end:
            continue
        level = rng.choices(RATING_LEVELS, RATING_WEIGHTS)[0]
        rating = Rating(level=level, stage=Stage.COMPLETION, channel=rng.choice(list(RatingChannel.values)[:5]),
                        case=case, centre_id=case.handling_centre_id, department_id=case.department_id,
                        item_id=case.item_id, staff_id=case.assignee_id, real_name=True, created_at=at)
        ratings.append(rating)
        if level in BAD_LEVELS:
            bad.append(rating)
    Rating.objects.bulk_create(ratings, batch_size=2000)
    follow_ups = []
    for rating in bad:
        closed = rng.random() < 0.9
        follow_ups.append(FollowUp(
            rating=rating, centre_id=rating.centre_id, created_at=rating.created_at,
            deadline=rating.created_at.date() + dt.timedelta(days=7),
            status=FollowUpStatus.RECTIFIED if closed else FollowUpStatus.OPEN,
            resolved_at=rating.created_at + dt.timedelta(days=3) if closed else None, on_time=True if closed else None))
    FollowUp.objects.bulk_create(follow_ups)
    return len(ratings)


def analyse() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL); harmless elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

