"""`onewindow simulate`: a living county, generated through the real case and rating services.

Arrivals follow the hour of day and the weekday (few on weekends, peaks at 9–11 and 14–16); items follow a
long-tailed mix (a few items make most of the volume, as in a real hall); centres and channels follow the
network (township centres take the county-wide items); each case is played to a state drawn from the demo's
realistic mix (correction, refusal, 容缺, special procedures, withdrawal…) with processing delays in working
days, and most completed cases get a rating. Every step is a service call at a simulated instant
(`clock.frozen`), so the rules, the audit trail and the statistics hooks all run as in production.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.catalog.choices import CaseKind
from onewindow.catalog.models import ServiceItem
from onewindow.core import clock
from onewindow.org.choices import CentreLevel
from onewindow.org.models import ServiceCentre
from onewindow.workdays.calendar import get_calendar

logger = logging.getLogger("onewindow.stats")

# Share of a day's arrivals per hour (08–17) and relative volume per weekday (Mon..Sun).
HOURS = {8: 3, 9: 14, 10: 16, 11: 12, 12: 3, 13: 5, 14: 14, 15: 15, 16: 11, 17: 7}
WEEKDAYS = [1.25, 1.05, 1.0, 1.0, 0.95, 0.12, 0.06]
RATING_LEVELS = [1, 2, 3, 4, 5]
RATING_WEIGHTS = [78, 15, 4, 2, 1]


def simulate(*, days: int, rate: float, seed: int = 1, now: dt.datetime | None = None,
             progress: Callable[[dt.date, int], None] | None = None) -> dict[str, int]:
    """Generate `days` days of activity ending today at about `rate` arrivals per working day."""
    from onewindow.demo.cases import STATES, _enterprise, _person, _play, _Staff
    from onewindow.ratings import services as ratings
    from onewindow.ratings.services import case_stages_open

    now = now or clock.now()
    rng = random.Random(seed)
    items = list(ServiceItem.objects.published().select_related("department", "section"))
    county = ServiceCentre.objects.filter(level=CentreLevel.COUNTY).first()
    if not items or county is None:
        raise ValueError("no published items or no county centre: load a county first (onewindow demo)")
    rng.shuffle(items)
    item_weights = [1 / (rank + 1) for rank in range(len(items))]  # long tail
    townships = list(ServiceCentre.objects.filter(level__in=[CentreLevel.TOWNSHIP, CentreLevel.BANK_OUTLET]))
    staff = _Staff()
    calendar = get_calendar()
    states = [s for s, _w in STATES]
    weights = [w for _s, w in STATES]
    counts = {"cases": 0, "ratings": 0, "skipped": 0}
    first = timezone.localtime(now).date() - dt.timedelta(days=days - 1)
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        arrivals = max(0, round(rate * WEEKDAYS[day.weekday()] * rng.uniform(0.85, 1.15)))
        for n in range(arrivals):
            hour = rng.choices(list(HOURS), list(HOURS.values()))[0]
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(60))))
            if start >= now:
                continue
            item = rng.choices(items, item_weights)[0]
            state = "instant" if item.case_kind == CaseKind.INSTANT else rng.choices(states, weights)[0]
            if state == "instant" and item.case_kind != CaseKind.INSTANT:
                state = "delivered"
            age = (now - start).days
            if age < 3 and state in ("archived", "delivered", "revoked"):
                state = rng.choice(["accepted", "in_review", "approved"])
            enterprise = "2" in item.target_groups and ("1" not in item.target_groups or rng.random() < 0.5)
            applicant = (_enterprise if enterprise else _person)(rng, rng.randrange(10**8))
            centre = rng.choice(townships) if item.county_wide and townships and rng.random() < 0.3 else county
            key = f"sim:{seed}:{day.isoformat()}:{n}"
            try:
                with transaction.atomic():
                    _play(state, item, applicant, centre, start, now, key, staff, calendar, rng)
                counts["cases"] += 1
            except Exception as exc:  # noqa: BLE001 - an arrival that does not fit an item's rules is skipped
                counts["skipped"] += 1
                logger.debug("simulated_case_skipped item=%s state=%s reason=%s", item.pk, state, exc)
                continue
            if rng.random() < 0.6:
                _rate(ratings, case_stages_open, key, rng, now, counts)
        if progress:
            progress(day, counts["cases"])
    return counts


def _rate(ratings: Any, stages_open: Any, key: str, rng: random.Random, now: dt.datetime,
          counts: dict[str, int]) -> None:
    from onewindow.cases.models import Case

    case = Case.objects.filter(idempotency_key__endswith=key).first()
    if case is None or not stages_open(case):
        return
    moment = min((case.completed_at or case.accepted_at or now) + dt.timedelta(hours=rng.randrange(1, 30)), now)
    try:
        with clock.frozen(moment):
            ratings.rate_case(actor=None, case=case, level=rng.choices(RATING_LEVELS, RATING_WEIGHTS)[0],
                              channel=rng.choice(["qr", "mobile", "sms", "tablet"]))
        counts["ratings"] += 1
    except Exception as exc:  # noqa: BLE001 - e.g. a stage that closed meanwhile
        logger.debug("simulated_rating_skipped case=%s reason=%s", case.pk, exc)
