"""Write and verify the hash-chained audit trail.

``record`` adds one event to the current transaction; the caller commits once with its own change,
so an action and its audit event land together or not at all. The chain head row is locked
(``SELECT … FOR UPDATE``) so concurrent writers on PostgreSQL queue instead of forking the chain;
SQLite serialises writers itself (``record`` takes its write lock before reading the head).

``events_query`` is the one scoped read of the trail (三员分立): nobody sees events they made, and
an office sees only events by people of its own subtree (plus system and command-line events).
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, false, func, or_, select, text

from portal.audit.models import AuditChainHead, AuditEvent
from portal.errors import InvalidInput
from portal.extensions import db
from portal.timeutil import BEIJING, as_utc, utcnow

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
    if db.session.get_bind().dialect.name == "sqlite":
        # a write first: the transaction holds SQLite's write lock before it reads the head, so a
        # second process waits (busy_timeout) instead of appending after a stale head
        db.session.execute(text("UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1"))
    head = db.session.execute(
        select(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:  # a database made without the migration's seed row
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        db.session.add(head)
        db.session.flush()
    return head


_UNSET = object()
_acting_as: ContextVar[str | None] = ContextVar("audit_acting_as", default=None)


@contextmanager
def acting_as(name: str):
    """Name the actor of every event recorded without a user inside the block (CLI, demo load)."""
    token = _acting_as.set(name)
    try:
        yield
    finally:
        _acting_as.reset(token)


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
        actor_name = user.username if user is not None else (_acting_as.get() or SYSTEM_ACTOR)
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
    last_hash: str = GENESIS_HASH

    def describe(self) -> str:
        """The Chinese one-line verdict ``audit verify`` prints."""
        if self.ok:
            return _("审计日志完整：共 %(n)s 条", n=self.checked)
        where = _("（id=%(id)s）", id=self.broken_id) if self.broken_id is not None else ""
        return _("第 %(seq)s 条事件%(where)s被篡改：%(reason)s", seq=self.broken_seq, where=where, reason=self.reason)


_MIRRORED = ("actor_id", "actor_name", "action", "object_type", "object_id", "ip")
_VERIFY_COLUMNS = (AuditEvent.id, AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.payload,
                   AuditEvent.created_at) + tuple(getattr(AuditEvent, name) for name in _MIRRORED)


def _broken_reason(row, prev_hash: str) -> str | None:
    if row.prev_hash != prev_hash:
        return _("前一事件哈希不符（链接被修改）")
    if chain_hash(prev_hash, row.payload) != row.hash:
        return _("事件内容与哈希不符（内容被修改）")
    try:
        body = json.loads(row.payload)
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("seq") != row.seq:
        return _("事件内容无法解析")
    changed = [name for name in _MIRRORED if body.get(name) != getattr(row, name)]
    if body.get("created_at") != as_utc(row.created_at).isoformat():
        changed.append("created_at")
    if changed:
        return _("事件字段与已签名内容不符（%(fields)s 被修改）", fields="、".join(changed))
    return None


def count_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def verify_chain(batch_size: int = 1000, progress=None) -> VerifyResult:
    """Walk the chain in order; the first event whose hash, link or columns do not match breaks it.

    Rows are read as plain tuples in batches, so the session's identity map stays untouched and
    memory stays flat on a long trail. ``progress(n)`` is called as events are checked.
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    while True:
        rows = db.session.execute(
            select(*_VERIFY_COLUMNS).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:  # a gap: the event with the expected seq is gone
                reason = _("该事件缺失（被删除或序号被修改），链条在 id=%(id)s 的事件（序号 %(seq)s）之前断开",
                           id=row.id, seq=row.seq)
                return VerifyResult(False, checked, expected_seq, None, reason, prev_hash)
            reason = _broken_reason(row, prev_hash)
            if reason:
                return VerifyResult(False, checked, row.seq, row.id, reason, prev_hash)
            prev_hash = row.hash
            expected_seq += 1
            checked += 1
        if progress:
            progress(len(rows))
    head = db.session.execute(
        select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev_hash:
        return VerifyResult(
            False, checked, checked + 1, None, _("链尾记录与最后一个事件不符（最后的事件被删除或链尾被修改）"), prev_hash
        )
    return VerifyResult(True, checked, last_hash=prev_hash)


# ---------------------------------------------------------------- reading the trail (三员分立)

@dataclass
class EventFilters:
    """What the audit page and API filter by; dates are Beijing calendar dates, both inclusive."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_mapping(cls, data: dict) -> EventFilters:
        def text_or_none(name: str) -> str | None:
            value = data.get(name)
            return (str(value).strip() or None) if value is not None else None

        return cls(
            actor=text_or_none("actor"), action=text_or_none("action"), object_type=text_or_none("object_type"),
            object_id=text_or_none("object_id"), date_from=data.get("date_from"), date_to=data.get("date_to"),
        )


def beijing_day_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Beijing dates → ``[start, end)`` in UTC: ``date_to`` includes its whole Beijing day."""

    def midnight_utc(day: date) -> datetime:
        return datetime.combine(day, time.min, BEIJING).astimezone(timezone.utc)

    return (
        midnight_utc(date_from) if date_from else None,
        midnight_utc(date_to + timedelta(days=1)) if date_to else None,
    )


def _actors_in_subtree(office) -> Select:
    """ids of users who belong to ``office``'s subtree: staff by office, unit users by their unit's
    office, discipline users by their body's office."""
    from portal.accounts.models import User
    from portal.accounts.permissions import office_subtree_ids
    from portal.registry.models import DisciplineBody, Unit

    office_ids = office_subtree_ids(office)
    return select(User.id).where(
        or_(
            User.office_id.in_(office_ids),
            User.unit_id.in_(select(Unit.id).where(Unit.office_id.in_(office_ids))),
            User.discipline_body_id.in_(select(DisciplineBody.id).where(DisciplineBody.office_id.in_(office_ids))),
        )
    )


def events_query(viewer, filters: EventFilters | None = None) -> Select:
    """The audit events ``viewer`` may read, filtered, newest first.

    Needs ``audit.read`` (403 otherwise). Never the viewer's own events (nobody reviews their own
    actions); events by users outside the viewer's office subtree are hidden; events without a
    signed-in actor (system, command line, failed logins) stay visible, except those carrying the
    viewer's own user name.
    """
    from portal.accounts.permissions import require_permission

    require_permission(viewer, "audit.read")
    filters = filters or EventFilters()
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise InvalidInput({"date_to": _("结束日期不能早于开始日期。")})
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if getattr(viewer, "office", None) is None:
        return query.where(false())
    query = query.where(
        or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != viewer.id),
        or_(AuditEvent.actor_id.is_not(None), AuditEvent.actor_name != viewer.username),
        or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id.in_(_actors_in_subtree(viewer.office))),
    )
    conditions = []
    if filters.actor:
        conditions.append(AuditEvent.actor_name == filters.actor)
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.object_type:
        conditions.append(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        conditions.append(AuditEvent.object_id == filters.object_id)
    start, end = beijing_day_bounds(filters.date_from, filters.date_to)
    if start is not None:
        conditions.append(AuditEvent.created_at >= start)
    if end is not None:
        conditions.append(AuditEvent.created_at < end)
    return query.where(and_(*conditions)) if conditions else query


def distinct_values(viewer, column_name: str) -> list[str]:
    """Values of ``action`` or ``object_type`` among the events ``viewer`` may read (for filter hints)."""
    column = {"action": AuditEvent.action, "object_type": AuditEvent.object_type}[column_name]
    scoped = events_query(viewer).order_by(None).subquery()
    return list(db.session.scalars(select(scoped.c[column.key]).distinct().order_by(scoped.c[column.key])))


def event_body(event: AuditEvent) -> dict:
    """The signed payload as a dict (``changes`` and ``details`` for display)."""
    try:
        body = json.loads(event.payload)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# words for the audit page; an unknown code is shown as it is
_VERB_LABELS = {
    "create": _l("创建"), "update": _l("修改"), "delete": _l("删除"), "login": _l("登录"),
    "login_failed": _l("登录失败"), "logout": _l("退出登录"), "lock": _l("锁定"), "unlock": _l("解锁"),
    "export": _l("导出"), "import": _l("导入"), "issue": _l("签发"), "revoke": _l("吊销"),
    "deactivate": _l("停用"), "activate": _l("启用"), "reset_password": _l("重置密码"), "grant": _l("授予权限"),
    "abolish": _l("撤销"), "merge": _l("合并"), "rename": _l("更名"), "publish": _l("公开"),
    "withdraw": _l("撤回"), "transition": _l("状态变更"), "view": _l("查看"), "reactivate": _l("重新启用"),
    "password_reset": _l("重置密码"), "password_change": _l("修改密码"), "permission": _l("调整权限"),
    "locked": _l("账户锁定"),
    "propose": _l("提交审核"), "approve": _l("审核通过"), "reject": _l("审核不通过"),
    "verify": _l("开始调查核实"), "issue_notice": _l("下发整改通知"), "supplementary_notice": _l("下发补充整改通知"),
    "close": _l("销号办结"), "dismiss": _l("不予立案"), "reopen": _l("重新启用"), "note": _l("添加内部备注"),
    "add": _l("记录"), "accept": _l("验收销号"), "waiver_request": _l("申请免于整改"),
    "waiver_approve": _l("同意免于整改"), "waiver_refuse": _l("不同意免于整改"), "sign": _l("签收"),
    "instruction": _l("督办"), "answer": _l("答复"), "attachment": _l("上传附件"), "download": _l("下载"),
    "supersede": _l("被新版本替代"), "republish": _l("自动重新公开"), "unpublish": _l("撤下"),
    "draft": _l("保存草稿"), "submit": _l("提交整改报告"), "return": _l("退回"), "upload": _l("上传"),
    "remove": _l("移除"), "request": _l("申请"), "refuse": _l("不同意"), "deadline_moved": _l("期限调整"), "lapse": _l("失效"), "discard": _l("作废草稿"),
    "schedule": _l("录入节假日安排"), "holiday": _l("设置地方节假日"), "holiday_remove": _l("取消地方节假日"),
}
_OBJECT_LABELS = {
    "user": _l("用户"), "unit": _l("单位"), "office": _l("编办"), "token": _l("访问令牌"),
    "discipline_body": _l("纪检监察机关"), "document": _l("文件"), "department": _l("内设机构"),
    "publication": _l("信息公开"), "case": _l("督查事项"), "finding": _l("问题"),
    "notice": _l("整改通知"), "instruction": _l("督办"), "attachment": _l("附件"), "announcement": _l("通知公告"),
    "submission": _l("整改报告"), "evidence": _l("佐证材料"), "extension": _l("延期申请"), "calendar": _l("工作日历"),
    "ledger": _l("问题台账"),
}


def action_label(action: str) -> str:
    verb = action.rsplit(".", 1)[-1]
    return str(_VERB_LABELS[verb]) if verb in _VERB_LABELS else action


def object_type_label(object_type: str) -> str:
    return str(_OBJECT_LABELS[object_type]) if object_type in _OBJECT_LABELS else object_type


def display_value(value) -> str:
    """One before/after value as text for the page."""
    if value is None or value == "":
        return _("（空）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str):
        return value
    return canonical_json(value)
