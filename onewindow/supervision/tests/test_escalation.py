"""Unclaimed handoffs escalate by working days: a reminder on the deadline day, the department head one working
day after, the bureau three working days after. National Day 2025 (1–8 October rest, Saturday 11 October a
working day) makes the calendar count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from onewindow.core import clock
from onewindow.org.choices import Role
from onewindow.org.services import assign_role
from onewindow.supervision import services
from onewindow.supervision.choices import EscalationLevel, HandoffAction, HandoffStatus
from onewindow.supervision.models import Handoff
from onewindow.webhooks.models import Message

pytestmark = pytest.mark.django_db

BEFORE_HOLIDAY = timezone.make_aware(dt.datetime(2025, 9, 30, 10, 0))


def _decided(world, item):
    with clock.frozen(BEFORE_HOLIDAY):
        case = world.decided(item)
    return Handoff.objects.get(case=case)


def _escalate(day):
    with clock.frozen(timezone.make_aware(dt.datetime.combine(day, dt.time(8)))):
        return services.escalate_handoffs(actor=None)


def test_the_claim_deadline_counts_working_days_across_national_day(world):
    handoff = _decided(world, world.food)
    assert handoff.claim_due == dt.date(2025, 10, 10)  # 9 and 10 October are the two working days


def test_an_unclaimed_handoff_escalates_reminder_then_head_then_bureau(world):
    liaison, head, leader, approver = (world.user(p) for p in ("liaison", "head", "leader", "approver"))
    bureau_head = world.user("approver")
    assign_role(actor=None, user=bureau_head, role=Role.SECTION_HEAD, department=world.bureau)
    handoff = _decided(world, world.food)

    assert _escalate(dt.date(2025, 10, 9)) == {"reminded": 0, "head": 0, "bureau": 0}
    assert _escalate(dt.date(2025, 10, 10)) == {"reminded": 1, "head": 0, "bureau": 0}
    assert Message.objects.filter(recipient=liaison, topic="handoff.remind").count() == 1
    # Saturday 11 October is a working day (调休): one working day late → the department head.
    assert _escalate(dt.date(2025, 10, 11))["head"] == 1
    assert Message.objects.filter(recipient=head, topic="handoff.escalate_head").count() == 1
    assert _escalate(dt.date(2025, 10, 12)) == {"reminded": 0, "head": 0, "bureau": 0}  # Sunday: nothing new
    assert _escalate(dt.date(2025, 10, 13)) == {"reminded": 0, "head": 0, "bureau": 0}  # two days late
    assert _escalate(dt.date(2025, 10, 14))["bureau"] == 1
    assert Message.objects.filter(recipient=leader, topic="handoff.escalate_bureau").exists()
    assert Message.objects.filter(recipient=approver, topic="handoff.escalate_bureau").exists()
    assert _escalate(dt.date(2025, 10, 20)) == {"reminded": 0, "head": 0, "bureau": 0}  # idempotent
    handoff.refresh_from_db()
    assert handoff.escalation == EscalationLevel.BUREAU
    assert list(handoff.events.values_list("action", flat=True)) == [
        HandoffAction.CREATE, HandoffAction.REMIND, HandoffAction.ESCALATE_HEAD, HandoffAction.ESCALATE_BUREAU]


def test_a_worker_that_was_down_jumps_straight_to_the_right_level(world):
    world.user("leader")
    handoff = _decided(world, world.food)
    assert _escalate(dt.date(2025, 10, 15)) == {"reminded": 0, "head": 0, "bureau": 1}
    handoff.refresh_from_db()
    assert handoff.escalation == EscalationLevel.BUREAU


def test_a_claimed_handoff_does_not_escalate(world):
    handoff = _decided(world, world.food)
    with clock.frozen(timezone.make_aware(dt.datetime(2025, 10, 10, 16))):
        handoff = services.claim_handoff(actor=world.user("liaison"), handoff=handoff)
    assert handoff.claimed_on_time is True
    assert _escalate(dt.date(2025, 10, 20)) == {"reminded": 0, "head": 0, "bureau": 0}


def test_the_pool_reminds_every_liaison_and_skips_the_department_head(world):
    liaison, other = world.user("liaison"), world.user("liaison_health")
    world.user("leader")
    handoff = _decided(world, world.unsupervised)
    assert handoff.department is None and handoff.claim_due == dt.date(2025, 10, 10)
    assert _escalate(dt.date(2025, 10, 10))["reminded"] == 1
    assert Message.objects.filter(topic="handoff.remind", recipient__in=[liaison, other]).count() == 2
    assert _escalate(dt.date(2025, 10, 11)) == {"reminded": 0, "head": 0, "bureau": 0}
    assert _escalate(dt.date(2025, 10, 14))["bureau"] == 1


def test_a_department_claims_from_the_pool_late(world):
    handoff = _decided(world, world.unsupervised)
    with clock.frozen(timezone.make_aware(dt.datetime(2025, 10, 11, 9))):
        claimed = services.claim_handoff(actor=world.user("liaison_health"), handoff=handoff)
    assert claimed.department == world.health and claimed.claimed_from_pool
    assert claimed.status == HandoffStatus.CLAIMED and claimed.claimed_on_time is False
    assert not Handoff.objects.pool().exists()


def test_someone_serving_two_departments_says_which_one_claims_from_the_pool(world):
    liaison = world.user("liaison")
    assign_role(actor=None, user=liaison, role=Role.LIAISON, department=world.health)
    handoff = _decided(world, world.unsupervised)
    with pytest.raises(ValidationError):
        services.claim_handoff(actor=liaison, handoff=handoff)
    claimed = services.claim_handoff(actor=liaison, handoff=handoff, department=world.health)
    assert claimed.department == world.health


def test_the_bureau_assigns_a_pool_record_and_its_deadline_runs_again(world):
    handoff = _decided(world, world.unsupervised)
    with clock.frozen(timezone.make_aware(dt.datetime(2025, 10, 14, 9))):
        assigned = services.assign_handoff(actor=world.user("admin"), handoff=handoff, department=world.health)
    assert assigned.department == world.health and assigned.claim_due == dt.date(2025, 10, 16)


def test_the_escalate_command_takes_a_day(world):
    _decided(world, world.food)
    call_command("supervision", "escalate", "--today", "2025-10-10")
    assert Handoff.objects.get().escalation == EscalationLevel.REMINDED
