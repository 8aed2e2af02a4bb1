"""`onewindow worker` runs the django-tasks queue and drains the outbox in one process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from onewindow.messaging.sms import queue_sms
from onewindow.outbox.models import OutboxMessage, OutboxStatus
from onewindow.supervision.models import Handoff
from onewindow.supervision.tasks import escalate_handoffs_task
from onewindow.webhooks.models import Subscriber
from onewindow.webhooks.services import save_subscriber


@pytest.mark.django_db(transaction=True)
def test_one_pass_runs_ready_tasks_and_delivers_the_outbox(world, receiver, sms_gateway):
    with transaction.atomic():
        save_subscriber(actor=None, subscriber=Subscriber(name="县数据中心", url=receiver.url))
        queue_sms(phone="13800000000", text="您的办件已受理", topic="case.accepted")
    escalate_handoffs_task.enqueue()
    world.decided(world.food)
    assert DBTaskResult.objects.filter(status="READY").exists()
    call_command("worker", "--once")
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()
    assert ("13800000000", "您的办件已受理") in sms_gateway.outbox
    assert len(receiver.unique_keys) == OutboxMessage.objects.filter(channel="webhook").count() > 0


@pytest.mark.django_db(transaction=True)
def test_the_sweep_escalates_overdue_handoffs(world):
    world.user("liaison")
    world.decided(world.food)
    Handoff.objects.update(claim_due=dt.date(2020, 1, 2))
    call_command("worker", "--once", "--sweep", "0")
    assert Handoff.objects.get().escalation > 0


@pytest.mark.django_db(transaction=True)
def test_one_pass_seals_the_audit_queue_and_folds_the_statistics(world):
    from onewindow.audit.chain import verify_chain
    from onewindow.audit.models import AuditEvent, AuditSeal, AuditUnsealed
    from onewindow.stats.models import DailyCounter, StatBacklog

    world.decided(world.food)  # a case through intake, acceptance and decision: audit rows and stats backlog
    assert AuditUnsealed.objects.exists() and StatBacklog.objects.exists()
    assert DailyCounter.objects.count() == 0  # nothing folded inside the requests
    call_command("worker", "--once")
    assert not AuditUnsealed.objects.exists() and not StatBacklog.objects.exists()
    assert AuditSeal.objects.count() == AuditEvent.objects.count()
    assert verify_chain().ok
    assert DailyCounter.objects.exists()
