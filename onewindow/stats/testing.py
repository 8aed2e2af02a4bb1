"""A small county with activity for the statistics tests and benchmark, driven through the real services."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from onewindow.cases import services as cases
from onewindow.cases.choices import Channel, DeliveryMethod, Status
from onewindow.cases.models import Case
from onewindow.catalog import services as catalog_services
from onewindow.catalog.choices import CaseKind
from onewindow.core import clock
from onewindow.core.errors import DomainError
from onewindow.org.choices import CentreLevel, Role
from onewindow.supervision.testing import World
from onewindow.testing import make_centre, make_item, make_user, person


class StatsWorld(World):
    """The supervision world plus a township centre with its clerk, an instant item, and a township leader."""

    def __init__(self) -> None:
        super().__init__()
        self.township = make_centre(self.county, "town1", CentreLevel.TOWNSHIP, name="一镇便民服务中心")
        self.instant = make_item(self.bureau, basic_code="000401001000", name="个体户名称变更", promised_days=0,
                                 statutory_days=0, case_kind=CaseKind.INSTANT, materials=1, county_wide=True)
        self.food.county_wide = True
        catalog_services.save_item(actor=None, item=self.food)
        self.town_clerk = make_user("town_clerk", Role.CLERK, centre=self.township)

    def town_leader(self) -> Any:
        return make_user("town_leader", Role.LEADER, centre=self.township)


def random_activity(world: StatsWorld, rng: random.Random, steps: int, start: dt.datetime) -> dict[str, int]:
    """Random operations over simulated days (weekends included): intake at both centres and online-like
    channels, acceptance, refusal, correction, decisions, EMS or pickup delivery, extra visits, ratings and
    follow-ups, handoff claims. Operations the rules forbid are simply skipped."""
    from onewindow.ratings import services as ratings
    from onewindow.ratings.models import FollowUp
    from onewindow.supervision import services as supervision
    from onewindow.supervision.models import Handoff

    clerk, approver, liaison = world.user("clerk"), world.user("approver"), world.user("liaison")
    moment = start
    done: dict[str, int] = {}
    for step in range(steps):
        moment += dt.timedelta(hours=rng.choice([1, 2, 5, 11, 23, 30]))
        op = rng.choice(["receive", "receive", "instant", "accept", "refuse", "correct", "decide", "decide",
                         "deliver", "deliver", "visit", "rate", "follow_up", "claim", "withdraw"])
        open_cases = list(Case.objects.exclude(status__in=[Status.REFUSED, Status.WITHDRAWN]).order_by("pk"))
        try:
            with clock.frozen(moment):
                if op == "receive":
                    town = rng.random() < 0.3
                    item = rng.choice([world.food, world.unsupervised]) if not town else world.food
                    cases.receive_case(
                        actor=world.town_clerk if town else clerk, item=item, applicant=person(step % 50 + 1),
                        centre=world.township if town else world.county,
                        channel=None if town else rng.choice([Channel.WINDOW, Channel.ONLINE_PC, Channel.POST]),
                        received_material_ids=world.material_ids(item))
                elif op == "instant":
                    cases.complete_instant(actor=clerk, item=world.instant, applicant=person(step % 50 + 1),
                                           centre=world.county, received_material_ids=world.material_ids(world.instant))
                elif op == "accept":
                    case = rng.choice([c for c in open_cases if c.status == Status.RECEIVED] or [None])
                    if case:
                        actor = world.town_clerk if case.centre_id == world.township.pk else clerk
                        cases.accept_case(actor=actor, case=case)
                elif op == "refuse":
                    case = rng.choice([c for c in open_cases if c.status == Status.RECEIVED] or [None])
                    if case:
                        actor = world.town_clerk if case.centre_id == world.township.pk else clerk
                        cases.refuse_case(actor=actor, case=case, reason="不属于本机关职权范围")
                elif op == "correct":
                    case = rng.choice([c for c in open_cases if c.status == Status.IN_REVIEW] or [None])
                    if case:
                        cases.request_correction(actor=approver, case=case, items=[{"name": "申请书", "reason": "缺签字"}])
                        cases.receive_correction(actor=clerk, case=case)
                elif op == "decide":
                    case = rng.choice([c for c in open_cases if c.status in (Status.ACCEPTED, Status.IN_REVIEW)]
                                      or [None])
                    if case:
                        if case.status == Status.ACCEPTED:
                            case = cases.start_review(actor=approver, case=case)
                        cases.decide_case(actor=approver, case=case, approve=rng.random() < 0.85, opinion="审查意见")
                elif op == "deliver":
                    case = rng.choice([c for c in open_cases if c.completed_at and not c.delivered_at
                                       and c.status != Status.REVOKED] or [None])
                    if case:
                        if rng.random() < 0.5:
                            cases.deliver_case(actor=approver, case=case, method=DeliveryMethod.EMS,
                                               waybill_number=f"EMS{step:08d}")
                        else:
                            cases.deliver_case(actor=clerk, case=case, method=DeliveryMethod.PICKUP, recipient="本人")
                elif op == "visit":
                    case = rng.choice([c for c in open_cases if c.centre_id == world.county.pk] or [None])
                    if case:
                        cases.record_visit(actor=clerk, case=case)
                elif op == "rate":
                    case = rng.choice([c for c in open_cases if c.accepted_at] or [None])
                    if case:
                        ratings.rate_case(actor=None, case=case, level=rng.choice([1, 1, 2, 3, 4, 5]))
                elif op == "follow_up":
                    fu = FollowUp.objects.exclude(status__in=["rectified", "explained", "withdrawn"]).first()
                    if fu:
                        hm = make_user(f"hm{step}", Role.HALL_MANAGER, centre=fu.centre)
                        ratings.assign_handler(actor=hm, follow_up=fu, handler=hm)
                        ratings.record_callback(actor=hm, follow_up=fu, note="已电话回访")
                        ratings.verify(actor=hm, follow_up=fu, finding="true", note="情况属实")
                        ratings.rectify(actor=hm, follow_up=fu, note="已加强培训")
                elif op == "claim":
                    handoff = Handoff.objects.filter(status="pending", department=world.market).first()
                    if handoff:
                        supervision.claim_handoff(actor=liaison, handoff=handoff)
                elif op == "withdraw":
                    case = rng.choice([c for c in open_cases if c.status == Status.RECEIVED] or [None])
                    if case:
                        actor = world.town_clerk if case.centre_id == world.township.pk else clerk
                        cases.withdraw_case(actor=actor, case=case, reason="申请人撤回")
            done[op] = done.get(op, 0) + 1
        except (DomainError, ValidationError):
            done["skipped"] = done.get("skipped", 0) + 1
    return done


def aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
