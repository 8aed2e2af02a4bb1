"""The SM3 hash chain over audit rows (GB/T 39786: national algorithms for the integrity of important data).

Every row gets a link (AuditSeal) right after its transaction commits: seq = head.seq + 1,
hash = SM3(prev_hash | seq | the row's fields). Editing a row changes its hash; deleting one leaves a seal
without its row or a gap in seq; deleting a row together with its seal breaks the next link's prev_hash.
`verify_chain` walks the links in order in batches (constant memory).

Serialisation: sealing takes the one-row chain head FOR UPDATE in a short transaction of its own after the
business commit, so concurrent writers queue for a few inserts only, not for each other's business work.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import transaction

from .models import AuditChainHead, AuditEvent, AuditSeal, AuditUnsealed

logger = logging.getLogger("onewindow.audit")
GENESIS = "0" * 64


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def canonical(event: AuditEvent) -> bytes:
    """The bytes a link covers: every field of the row, in a fixed order (JSON keys sorted)."""
    data = json.dumps(event.data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    parts = [str(event.pk), event.at.isoformat(), str(event.actor_id or ""), event.action, event.object_type,
             event.object_id, event.summary, data, event.result]
    return "\x1f".join(parts).encode("utf-8")


def link_hash(prev_hash: str, seq: int, event: AuditEvent) -> str:
    return sm3_hex(prev_hash.encode() + b"\x1e" + str(seq).encode() + b"\x1e" + canonical(event))


def _head() -> AuditChainHead:
    # The row is made by migration 0004; get_or_create only for a database that lost it.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    return head if head is not None else AuditChainHead.objects.create(pk=1)


def seal_events(event_ids: Iterable[int]) -> int:
    """Link the given rows (those not linked yet) to the chain, in id order. Returns how many were linked."""
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    with transaction.atomic():
        head = _head()
        events = list(AuditEvent.objects.filter(pk__in=ids, seal__isnull=True).order_by("pk"))
        seals = []
        for event in events:
            seq = head.seq + 1
            digest = link_hash(head.hash, seq, event)
            seals.append(AuditSeal(seq=seq, event_id=event.pk, prev_hash=head.hash, hash=digest))
            head.seq, head.hash = seq, digest
        if seals:
            AuditSeal.objects.bulk_create(seals)
            head.save(update_fields=["seq", "hash"])
    return len(events)


_pending = threading.local()


def seal_after_commit(event_id: int) -> None:
    """Seal the row once its transaction has committed. Every row registers a callback, but the first callback
    after a commit seals all rows waiting in this thread in one short transaction and the others find nothing
    to do: one chain-head lock per business transaction, however many rows it wrote. Ids of rows whose
    transaction rolled back are simply not found."""
    waiting: set[int] = getattr(_pending, "ids", None) or set()
    waiting.add(event_id)
    _pending.ids = waiting

    def run() -> None:
        ids = getattr(_pending, "ids", None)
        if not ids:
            return
        _pending.ids = set()
        try:
            seal_events(ids)
        except Exception:  # the business change is committed; `onewindow audit verify` seals stragglers
            logger.exception("audit_seal_failed events=%s", sorted(ids)[:10])

    transaction.on_commit(run)


def seal_queued(batch: int = 1000) -> int:
    """Link the rows queued by record_event (AuditUnsealed), oldest first: what the worker runs every pass.
    Rows are claimed with SKIP LOCKED, so several workers never wait for each other; the chain head is locked
    once per batch, not once per business transaction. Returns how many rows were linked."""
    total = 0
    while True:
        with transaction.atomic():
            ids = list(AuditUnsealed.objects.select_for_update(skip_locked=True).order_by("event_id")
                       .values_list("event_id", flat=True)[:batch])
            if not ids:
                return total
            total += seal_events(ids)
            AuditUnsealed.objects.filter(event_id__in=ids).delete()


def seal_pending(batch: int = 1000) -> int:
    """Link every row not linked yet: the queue first, then a scan for any row the queue does not hold
    (written before the queue existed, or sealed nowhere because its after-commit sealing failed)."""
    total = seal_queued(batch)
    while True:
        ids = list(AuditEvent.objects.filter(seal__isnull=True).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        total += seal_events(ids)


@dataclass
class ChainReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    head_seq: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _seal_chunks(batch: int) -> Iterator[list[AuditSeal]]:
    last = -1
    while True:
        chunk = list(AuditSeal.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].seq


def verify_chain(batch: int = 2000) -> ChainReport:
    """Recompute every link. Reports edited rows, deleted rows, missing links and a cut tail."""
    report = ChainReport()
    head = AuditChainHead.objects.filter(pk=1).first()
    expected_prev = head.anchor_hash if head else GENESIS
    expected_seq = (head.anchor_seq if head else 0) + 1
    for chunk in _seal_chunks(batch):
        events = AuditEvent.objects.in_bulk([seal.event_id for seal in chunk])
        for seal in chunk:
            event = events.get(seal.event_id)
            report.checked += 1
            if seal.seq != expected_seq:
                report.problems.append(f"链序号缺口：期望 #{expected_seq}，实际 #{seal.seq}（有记录被删除）")
            if seal.prev_hash != expected_prev:
                report.problems.append(f"#{seal.seq}：前一哈希不符（前面的记录被删除或改动）")
            if event is None:
                report.problems.append(f"#{seal.seq}：审计记录 {seal.event_id} 已被删除")
            elif link_hash(seal.prev_hash, seal.seq, event) != seal.hash:
                report.problems.append(f"#{seal.seq}：审计记录 {seal.event_id} 的内容被改动")
            expected_prev = seal.hash
            expected_seq = seal.seq + 1
    report.head_seq = expected_seq - 1
    if head and head.seq != report.head_seq:
        report.problems.append(f"链尾不符：链头记为 #{head.seq}，实际链尾 #{report.head_seq}（末尾记录被删除）")
    return report


def describe_event(event: AuditEvent) -> dict[str, Any]:
    seal = AuditSeal.objects.filter(event_id=event.pk).first()
    return {
        "id": event.pk, "at": event.at.isoformat(), "actor_id": event.actor_id, "action": event.action,
        "object_type": event.object_type, "object_id": event.object_id, "summary": event.summary,
        "data": event.data, "result": event.result,
        "seq": seal.seq if seal else None, "prev_hash": seal.prev_hash if seal else None,
        "hash": seal.hash if seal else None,
    }
