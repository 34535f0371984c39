"""Announcement services (通知公告): create, update, publish, unpublish — for holders of ``announcements.manage``.

``actor`` is the signed-in user, or ``None`` for a command-line or demo operation (``actor_name``
names it in the audit trail). Each action checks the permission, validates (Chinese messages by
field: ``title``, ``body_md``, ``published_at``), audits and flushes; the caller commits once.
What the public sees is read through ``disclosure.queries`` (published and due).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from portal.accounts import permissions
from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.timeutil import BEIJING, as_utc, to_beijing, utcnow

from disclosure.models import Announcement
from disclosure.models.announcements import BODY_MAX, TITLE_MAX

MANAGE = "announcements.manage"
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def may_manage(actor) -> bool:
    return actor is None or permissions.has_permission(actor, MANAGE)


def require_manage(actor) -> None:
    if not may_manage(actor):
        raise PermissionDenied("您没有管理通知公告的权限。")


def announcements_query(actor):
    """``select(Announcement)`` of every announcement (drafts first, then newest), for managers only."""
    require_manage(actor)
    return select(Announcement).order_by(
        Announcement.is_published.asc(), Announcement.published_at.desc(), Announcement.id.desc()
    )


def get_or_404(actor, announcement_id) -> Announcement:
    require_manage(actor)
    try:
        announcement_id = int(announcement_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    announcement = db.session.get(Announcement, announcement_id) if 0 < announcement_id < 2**31 else None
    if announcement is None:
        raise NotFound()
    return announcement


# ---------------------------------------------------------------- validation

def parse_time(value) -> datetime | None:
    """A Beijing-time text (``2026-11-24T09:30``, ``2026-11-24 09:30``, ``2026-11-24``) or a datetime → aware UTC.

    ``ValueError`` when it cannot be read; None for an empty value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return as_utc(value if value.tzinfo is not None else value.replace(tzinfo=BEIJING))
    text = str(value).strip()
    for fmt in DATETIME_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return as_utc(naive.replace(tzinfo=BEIJING))
    raise ValueError(text)


def clean(data: Mapping) -> dict:
    """Validated fields from ``data`` (title, body_md, is_published, published_at); InvalidInput otherwise."""
    errors: dict[str, str] = {}
    title = " ".join(str(data.get("title") or "").split())
    body = str(data.get("body_md") or "").replace("\r\n", "\n").strip()
    if not title:
        errors["title"] = "请填写标题。"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题过长（不超过 {TITLE_MAX} 字，现为 {len(title)} 字）。"
    if not body:
        errors["body_md"] = "请填写正文。"
    elif len(body) > BODY_MAX:
        errors["body_md"] = f"正文过长（不超过 {BODY_MAX} 字，现为 {len(body)} 字）。"
    published_at = None
    try:
        published_at = parse_time(data.get("published_at"))
    except ValueError:
        errors["published_at"] = "发布时间格式不正确，应为“2026-11-24 09:30”（北京时间）。"
    if published_at is not None and not 2000 <= to_beijing(published_at).year <= 2100:
        errors["published_at"] = "发布时间应在 2000 年至 2100 年之间。"
    if errors:
        raise InvalidInput(errors)
    return {"title": title, "body_md": body, "is_published": bool(data.get("is_published")),
            "published_at": published_at}


def _state(announcement: Announcement) -> dict:
    return {
        "title": announcement.title, "body_md": announcement.body_md, "is_published": bool(announcement.is_published),
        "published_at": as_utc(announcement.published_at) if announcement.published_at else None,
    }


def _record(action: str, announcement: Announcement, before: dict, actor, actor_name: str | None) -> None:
    changes = audit.diff(before, _state(announcement))
    audit.record(
        f"announcement.{action}", "announcement", announcement.id, changes=changes,
        details={"title": announcement.title}, actor=actor, actor_name=None if actor is not None else actor_name,
    )


# ---------------------------------------------------------------- actions

def _apply(announcement: Announcement, data: dict) -> None:
    announcement.title = data["title"]
    announcement.body_md = data["body_md"]
    if data["is_published"]:
        announcement.is_published = True
        # an explicit time wins (a future one schedules it); otherwise keep the first publication time
        announcement.published_at = data["published_at"] or announcement.published_at or utcnow()
    else:
        announcement.is_published = False
        announcement.published_at = None


def create(actor, data: Mapping, *, actor_name: str | None = None) -> Announcement:
    """新建通知公告: a draft, or published at once (or at ``published_at``) when ``is_published``."""
    require_manage(actor)
    fields = clean(data)
    announcement = Announcement(created_by_id=getattr(actor, "id", None), title="", body_md="", is_published=False)
    before = _state(announcement) | {"title": None, "body_md": None}
    _apply(announcement, fields)
    db.session.add(announcement)
    db.session.flush()
    _record("create", announcement, before, actor, actor_name)
    return announcement


def update(actor, announcement: Announcement, data: Mapping, *, actor_name: str | None = None) -> Announcement:
    require_manage(actor)
    fields = clean(data)
    before = _state(announcement)
    _apply(announcement, fields)
    if _state(announcement) != before:
        db.session.flush()
        _record("update", announcement, before, actor, actor_name)
    return announcement


def publish(actor, announcement: Announcement, *, actor_name: str | None = None) -> Announcement:
    """发布 now (a draft); an announcement already published keeps its time."""
    require_manage(actor)
    if announcement.is_published:
        raise InvalidInput({"_": "该通知公告已发布。"})
    before = _state(announcement)
    announcement.is_published = True
    announcement.published_at = utcnow()
    db.session.flush()
    _record("publish", announcement, before, actor, actor_name)
    return announcement


def unpublish(actor, announcement: Announcement, *, actor_name: str | None = None) -> Announcement:
    """撤下: the public no longer sees it (it becomes a draft again)."""
    require_manage(actor)
    if not announcement.is_published:
        raise InvalidInput({"_": "该通知公告尚未发布。"})
    before = _state(announcement)
    announcement.is_published = False
    announcement.published_at = None
    db.session.flush()
    _record("unpublish", announcement, before, actor, actor_name)
    return announcement


def is_public_now(announcement: Announcement) -> bool:
    return bool(announcement.is_published and announcement.published_at
                and as_utc(announcement.published_at) <= utcnow())
