"""The SM3 hash chain over audit rows: verify passes on an untouched log and names an edited or deleted row;
on PostgreSQL the rows cannot be updated or deleted at all (append-only triggers)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from onewindow.audit.chain import seal_pending, seal_queued, sm3_hex, verify_chain
from onewindow.audit.models import AuditEvent, AuditPermit, AuditSeal, AuditUnsealed
from onewindow.audit.services import prune, record_event


def _events(n: int = 5) -> list[AuditEvent]:
    rows = []
    with transaction.atomic():
        for i in range(n):
            rows.append(record_event(actor=None, action="test_act", object_type="x", object_id=str(i),
                                     summary=f"event {i}", data={"i": i, "b": [1, 2]}))
    seal_pending()
    return rows


def _tamper(sql: str, params: list) -> None:
    # What someone with direct database access could do (on PostgreSQL only with the prune permit).
    with transaction.atomic():
        permit = AuditPermit.objects.create(reason="test tamper")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        permit.delete()


def test_sm3_is_the_national_hash():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_an_untouched_log_verifies(db):
    _events()
    report = verify_chain()
    assert report.ok, report.problems
    assert report.checked >= 5
    assert AuditSeal.objects.count() == AuditEvent.objects.count()


def test_an_edited_row_is_detected(db):
    rows = _events()
    _tamper("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["changed", rows[2].pk])
    report = verify_chain()
    assert not report.ok
    assert any(f"审计记录 {rows[2].pk} 的内容被改动" in p for p in report.problems)


def test_a_deleted_row_is_detected(db):
    rows = _events()
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])
    report = verify_chain()
    assert any(f"审计记录 {rows[1].pk} 已被删除" in p for p in report.problems)


def test_a_row_deleted_with_its_link_is_detected(db):
    rows = _events()
    _tamper("DELETE FROM audit_auditseal WHERE event_id = %s", [rows[1].pk])
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])
    report = verify_chain()
    assert any("缺口" in p for p in report.problems)


def test_a_cut_tail_is_detected(db):
    rows = _events()
    _tamper("DELETE FROM audit_auditseal WHERE event_id = %s", [rows[-1].pk])
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[-1].pk])
    assert any("链尾不符" in p for p in verify_chain().problems)


def test_the_verify_command_fails_on_tampering(db):
    rows = _events()
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "完好" in out.getvalue()
    _tamper("UPDATE audit_auditevent SET result = %s WHERE id = %s", ["failed", rows[0].pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_info.value.code == 1


def test_rows_are_sealed_right_after_commit_when_configured(db, django_capture_on_commit_callbacks, settings):
    settings.ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT = True
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event = record_event(actor=None, action="test_commit", object_type="x", object_id="1")
    assert AuditSeal.objects.filter(event_id=event.pk).exists()
    assert not AuditUnsealed.objects.filter(event_id=event.pk).exists()


def test_by_default_rows_are_queued_in_their_transaction_and_sealed_by_the_queue(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            first = record_event(actor=None, action="test_queue", object_type="x", object_id="1")
            second = record_event(actor=None, action="test_queue", object_type="x", object_id="2")
    # Nothing sealed in the request; both rows queued with the business transaction.
    assert not AuditSeal.objects.filter(event_id__in=[first.pk, second.pk]).exists()
    assert set(AuditUnsealed.objects.values_list("event_id", flat=True)) >= {first.pk, second.pk}
    assert seal_queued() >= 2
    assert not AuditUnsealed.objects.exists()
    seals = list(AuditSeal.objects.filter(event_id__in=[first.pk, second.pk]).order_by("seq"))
    assert [s.event_id for s in seals] == [first.pk, second.pk]  # in id order
    assert seal_queued() == 0  # idempotent
    assert verify_chain().ok


def test_a_rolled_back_row_leaves_nothing_in_the_queue(db):
    seal_pending()  # rows the fixtures wrote
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            record_event(actor=None, action="test_rollback", object_type="x", object_id="1")
            raise RuntimeError("the business change failed")
    assert not AuditUnsealed.objects.exists()
    assert seal_queued() == 0


def test_a_row_missing_from_the_queue_is_still_found_by_seal_pending(db):
    seal_pending()  # rows the fixtures wrote
    with transaction.atomic():
        event = record_event(actor=None, action="test_lost", object_type="x", object_id="1")
    AuditUnsealed.objects.all().delete()  # e.g. written before the queue existed
    assert seal_queued() == 0
    assert seal_pending() == 1
    assert AuditSeal.objects.filter(event_id=event.pk).exists()


def test_export_writes_rows_with_their_links(db, tmp_path):
    _events(3)
    target = tmp_path / "audit.jsonl"
    call_command("audit", "export", "--out", str(target), stdout=io.StringIO())
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 3 and all(line["hash"] for line in lines)
    assert AuditEvent.objects.filter(action="audit_exported").exists()


def test_prune_keeps_six_months_and_the_chain_still_verifies(db):
    old = _events(3)
    AuditPermit.objects.create(reason="test backdate")
    # Everything so far (the migrations' rows too) becomes old.
    AuditEvent.objects.update(at=timezone.now() - timedelta(days=400))
    AuditPermit.objects.all().delete()
    # Re-seal is not possible for backdated rows (their hash covers the time), so rebuild the chain from scratch.
    AuditPermit.objects.create(reason="test rebuild")
    AuditSeal.objects.all().delete()
    AuditPermit.objects.all().delete()
    from onewindow.audit.models import AuditChainHead

    AuditChainHead.objects.all().delete()
    seal_pending()
    recent = _events(2)
    with pytest.raises(ValueError):
        prune(actor=None, months=3)
    with transaction.atomic():
        removed = prune(actor=None, months=6)
    assert removed >= 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 2
    seal_pending()
    assert verify_chain().ok, verify_chain().problems


@pytest.mark.postgres
def test_postgresql_refuses_to_update_or_delete_audit_rows(db):
    if connection.vendor != "postgresql":
        pytest.skip("append-only triggers are PostgreSQL's")
    rows = _events(2)
    for sql in ("UPDATE audit_auditevent SET summary = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s",
                "DELETE FROM audit_auditseal WHERE event_id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [rows[0].pk])
