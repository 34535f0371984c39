"""Write and verify the hash-chained audit trail.

``record`` adds one event to the current transaction; the caller commits once with its own change,
so an action and its audit event land together or not at all. The chain head row is locked
(``SELECT … FOR UPDATE``) so concurrent writers on PostgreSQL queue instead of forking the chain;
SQLite serialises writers itself.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import has_request_context, request
from sqlalchemy import select

from portal.audit.models import AuditChainHead, AuditEvent
from portal.extensions import db
from portal.timeutil import as_utc, utcnow

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "系统"


def _json_default(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed (JSON-normalised)."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if canonical_json(old) != canonical_json(new):
            changes[key] = [json.loads(canonical_json(old)), json.loads(canonical_json(new))]
    return changes


def _current_actor():
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user if current_user and current_user.is_authenticated else None


def _lock_head() -> AuditChainHead:
    head = db.session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:  # a database made without the migration's seed row
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        db.session.add(head)
        db.session.flush()
    return head


_UNSET = object()


def record(
    action: str,
    object_type: str,
    object_id=None,
    *,
    changes: dict | None = None,
    details: dict | None = None,
    actor=_UNSET,
    actor_name: str | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the current transaction (no commit)."""
    user = _current_actor() if actor is _UNSET else actor
    if actor_name is None:
        actor_name = user.username if user is not None else SYSTEM_ACTOR
    ip = request.remote_addr if has_request_context() else None
    head = _lock_head()
    seq = head.last_seq + 1
    created_at = utcnow()
    body = {
        "seq": seq,
        "created_at": created_at.isoformat(),
        "actor_id": user.id if user is not None else None,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "changes": changes or {},
        "details": details or {},
        "ip": ip,
    }
    payload = canonical_json(body)
    digest = chain_hash(head.last_hash, payload)
    event = AuditEvent(
        seq=seq,
        created_at=created_at,
        actor_id=body["actor_id"],
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=body["object_id"],
        ip=ip,
        payload=payload,
        prev_hash=head.last_hash,
        hash=digest,
    )
    db.session.add(event)
    head.last_seq = seq
    head.last_hash = digest
    db.session.flush()
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


_MIRRORED = ("actor_id", "actor_name", "action", "object_type", "object_id", "ip")


def verify_chain(batch_size: int = 1000, progress=None) -> VerifyResult:
    """Walk the chain in order; the first event whose hash, link or columns do not match breaks it."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    while True:
        rows = db.session.execute(
            select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch_size)
        ).scalars().all()
        if not rows:
            break
        for event in rows:
            reason = None
            if event.seq != expected_seq:
                reason = f"缺少序号 {expected_seq} 的事件（链条断开）"
            elif event.prev_hash != prev_hash:
                reason = "前一事件哈希不符"
            elif chain_hash(prev_hash, event.payload) != event.hash:
                reason = "事件内容与哈希不符（内容被修改）"
            else:
                try:
                    body = json.loads(event.payload)
                except ValueError:
                    body = None
                if not isinstance(body, dict) or body.get("seq") != event.seq:
                    reason = "事件内容无法解析"
                elif any(body.get(name) != getattr(event, name) for name in _MIRRORED):
                    reason = "事件字段与已签名内容不符（字段被修改）"
                elif body.get("created_at") != as_utc(event.created_at).isoformat():
                    reason = "事件时间与已签名内容不符（字段被修改）"
            if reason:
                return VerifyResult(False, checked, event.seq, event.id, reason)
            prev_hash = event.hash
            expected_seq += 1
            checked += 1
            if progress:
                progress(1)
        db.session.expunge_all()
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.last_seq != checked or head.last_hash != prev_hash):
        return VerifyResult(
            False, checked, checked + 1, None, "链尾记录与最后一个事件不符（事件可能被删除）"
        )
    return VerifyResult(True, checked)
