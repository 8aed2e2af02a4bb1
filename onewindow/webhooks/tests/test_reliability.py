"""Guaranteed delivery against a real local HTTP receiver: a long outage loses nothing, a worker killed in the
middle of a delivery is recovered after its lease without a duplicate reaching a deduplicating receiver, two
workers on PostgreSQL never deliver the same message at once, and exhausted retries raise a visible alert."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from onewindow.outbox import services as outbox
from onewindow.outbox.models import OutboxMessage, OutboxStatus
from onewindow.testing import PASSWORD, person
from onewindow.webhooks import services
from onewindow.webhooks.choices import EventType, MessageLevel
from onewindow.webhooks.models import DeliveryAttempt, Message, Subscriber

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def _subscribe(url: str, **fields) -> Subscriber:
    with transaction.atomic():
        return services.save_subscriber(actor=None, subscriber=Subscriber(
            name=fields.pop("name", "市场监管系统"), url=url,
            event_types=fields.pop("event_types", [EventType.CASE_DECIDED]), **fields))


class TimeMachine:
    """The outbox's clock (timezone.now), moved forward as a long outage would: no row is edited by hand."""

    def __init__(self, monkeypatch):
        self.real = timezone.now
        self.offset = dt.timedelta(0)
        monkeypatch.setattr(timezone, "now", lambda: self.real() + self.offset)

    def now(self) -> dt.datetime:
        return self.real() + self.offset

    def travel_to(self, moment: dt.datetime) -> None:
        self.offset = max(self.offset, moment - self.real() + dt.timedelta(milliseconds=1))

    @property
    def hours(self) -> float:
        return self.offset.total_seconds() / 3600


def _webhooks():
    return OutboxMessage.objects.filter(channel="webhook")


def test_a_long_outage_loses_nothing(world, receiver, monkeypatch):
    clock = TimeMachine(monkeypatch)
    _subscribe(receiver.url)
    receiver.down()
    for i in range(5):
        world.decided(world.food, applicant=person(10 + i))
    outage_hours = 30
    while clock.hours < outage_hours:
        outbox.deliver_due()
        if clock.hours > 10 and _webhooks().count() == 5:
            for i in range(5):  # more decisions while the receiver is still down
                world.decided(world.food, applicant=person(20 + i))
        clock.travel_to(outbox.next_due_at())
    assert receiver.requests == []
    assert not _webhooks().filter(status=OutboxStatus.DEAD).exists()
    assert max(_webhooks().values_list("attempts", flat=True)) >= 13
    receiver.start()  # back on the same port
    while _webhooks().filter(status=OutboxStatus.PENDING).exists():
        clock.travel_to(outbox.next_due_at())
        outbox.deliver_due()
    keys = set(_webhooks().values_list("idempotency_key", flat=True))
    assert len(keys) == 10 and receiver.unique_keys == keys
    assert len(receiver.keys) == 10  # each exactly once: nothing lost, nothing doubled
    assert DeliveryAttempt.objects.filter(outcome="retry").count() == sum(
        _webhooks().values_list("attempts", flat=True)) - 10


def test_exhausted_retries_alert_the_administrators_and_can_be_resent(world, receiver, monkeypatch, settings):
    settings.ONEWINDOW_WEBHOOK_MAX_ATTEMPTS = 3
    clock = TimeMachine(monkeypatch)
    admin = world.user("admin")
    subscriber = _subscribe(receiver.url)
    receiver.status = 503
    world.decided(world.food)
    for _attempt in range(3):
        clock.travel_to(outbox.next_due_at())
        outbox.deliver_due()
    message = _webhooks().get()
    assert message.status == OutboxStatus.DEAD and message.attempts == 3
    alert = Message.objects.get(recipient=admin, topic="outbox.dead")
    assert alert.level == MessageLevel.ALERT and "重试耗尽" in alert.subject
    client = Client()
    client.login(username=admin.username, password=PASSWORD)
    assert "条消息重试耗尽" in client.get("/webhooks/").content.decode()
    assert "投递失败" in client.get("/admin/").content.decode()
    assert "1 条对外推送或短信重试耗尽" in client.get("/staff/").content.decode()
    assert alert.subject in client.get("/messages/").content.decode()
    log = client.get(f"/webhooks/{subscriber.uuid}/").content.decode()
    assert "503" in log and "重新发送" in log
    # The receiver is repaired; the administrator resends; a deduplicating receiver processes it once.
    receiver.status = 200
    assert client.post(f"/webhooks/dead/{message.pk}/resend/").status_code == 302
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert receiver.unique_keys == {message.idempotency_key} and len(receiver.keys) == 4


def test_a_refusal_is_not_retried_and_alerts_at_once(world, receiver):
    world.user("admin")
    _subscribe(receiver.url)
    receiver.status = 404
    world.decided(world.food)
    outbox.deliver_due()
    message = _webhooks().get()
    assert message.status == OutboxStatus.DEAD and message.attempts == 1
    assert Message.objects.filter(topic="outbox.dead").exists()


def test_the_staff_and_admin_pages_are_quiet_for_others(world, receiver):
    _subscribe(receiver.url)
    receiver.status = 404
    world.decided(world.food)
    outbox.deliver_due()
    client = Client()
    client.login(username=world.user("liaison").username, password=PASSWORD)
    assert client.get("/webhooks/").status_code == 403
    assert "重试耗尽" not in client.get("/messages/").content.decode()


# ---------------------------------------------------------------------------------------------
# A worker process killed in the middle of a delivery


def _worker_env(db_file: Path | None, lease: int) -> dict[str, str]:
    env = dict(os.environ, ONEWINDOW_TESTING="1", ONEWINDOW_OUTBOX_LEASE_SECONDS=str(lease),
               ONEWINDOW_WEBHOOK_TIMEOUT="30", PYTHONUNBUFFERED="1")
    if db_file is not None:
        env["VAR_DIR"] = str(db_file.parent)
        env.pop("DATABASE_URL", None)
    else:  # PostgreSQL: the worker uses the test database itself
        settings = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
                               f"{settings['PORT'] or 5432}/{settings['NAME']}")
    return env


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "onewindow", "outbox", "work", "--loop", "--interval", "0.1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_is_recovered_after_its_lease(world, receiver, tmp_path):
    lease = 3
    _subscribe(receiver.url)
    world.decided(world.food)
    message = _webhooks().get()
    db_file = None
    if connection.vendor == "sqlite":
        # The test database lives in memory: hand the worker an exact copy of it in a file.
        db_file = tmp_path / "onewindow.sqlite3"
        target = sqlite3.connect(db_file)
        connection.connection.backup(target)
        target.close()
    env = _worker_env(db_file, lease)
    receiver.delay = 60  # the receiver takes the request and holds the answer: the worker waits inside delivery
    first = _start_worker(env)
    try:
        assert receiver.arrived.wait(30), "the worker never reached the receiver"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = time.monotonic()
    receiver.delay = 0
    receiver.arrived.clear()
    second = _start_worker(env)
    try:
        deadline = time.monotonic() + lease + 30
        while len(receiver.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Give a wrongly-eager worker the chance to deliver a third time before checking.
        time.sleep(0.5)
    finally:
        second.terminate()
        second.wait(10)
    assert len(receiver.requests) == 2, "the message was not delivered again after the crash"
    # Not before the killed worker's lease ran out: a lease is a promise nobody else delivers meanwhile.
    assert receiver.requests[1].started - killed_at >= lease - 1.5
    assert receiver.unique_keys == {message.idempotency_key}  # a deduplicating receiver processes it once
    if db_file is not None:
        status = sqlite3.connect(db_file).execute(
            "select status, attempts from outbox_outboxmessage where id = ?", (message.pk,)).fetchone()
    else:
        message.refresh_from_db()
        status = (message.status, message.attempts)
    assert status == ("sent", 1)


# ---------------------------------------------------------------------------------------------
# Two workers on PostgreSQL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_deliver_the_same_message_at_the_same_moment(world, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under concurrent conditional UPDATEs)")
    _subscribe(receiver.url, event_types=[])
    for i in range(8):
        world.decided(world.food, applicant=person(40 + i))
    total = _webhooks().count()
    assert total >= 30
    receiver.delay = 0.02
    # First, the claim itself: 8 threads race for one message at one instant; exactly one wins.
    first = _webhooks().order_by("id").first()
    now = timezone.now()
    barrier = threading.Barrier(8)
    wins: list[bool] = []

    def race() -> None:
        try:
            barrier.wait()
            wins.append(outbox.claim(first.pk, f"racer-{threading.get_ident()}", now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1
    OutboxMessage.objects.filter(pk=first.pk).update(claimed_until=None, claimed_by="")

    # Then four workers drain the table concurrently.
    def work(name: str) -> None:
        try:
            while _webhooks().filter(status=OutboxStatus.PENDING).exists():
                outbox.deliver_due(limit=5, worker=name)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(60)
    assert not _webhooks().exclude(status=OutboxStatus.SENT).exists()
    assert len(receiver.keys) == total and len(receiver.unique_keys) == total  # each once
    by_key: dict[str, list] = {}
    for r in receiver.requests:
        by_key.setdefault(r.key, []).append((r.started, r.finished))
    for spans in by_key.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    # The work really was shared: more than one worker delivered.
    assert len(set(_webhooks().values_list("claimed_by", flat=True))) >= 2
