"""Announcements (通知公告): services, the admin screens (permission, CSRF forms, Chinese errors beside the
fields, audit) and what the public sees (published and due only, Markdown sanitised)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import UserPermission
from portal.audit.models import AuditEvent
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.timeutil import utcnow

from disclosure import announcements as services
from disclosure.models import Announcement


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def admin(make_user):
    return make_user("gonggao", role="admin")


@pytest.fixture()
def make_announcement(app):
    def do(title="关于系统维护的通知", body="系统将于周六维护。", *, is_published=True, published_at=None):
        announcement = services.create(None, {"title": title, "body_md": body, "is_published": is_published,
                                              "published_at": published_at}, actor_name="测试管理员")
        db.session.commit()
        return announcement

    return do


# ---------------------------------------------------------------- services

def test_create_publishes_and_audits(admin):
    announcement = services.create(admin, {"title": "  平台 上线  ", "body_md": "正文\r\n第二行", "is_published": True})
    db.session.commit()
    assert announcement.title == "平台 上线" and announcement.body_md == "正文\n第二行"
    assert announcement.is_published and announcement.published_at is not None
    assert announcement.created_by_id == admin.id
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "announcement.create")).scalar_one()
    assert event.object_id == str(announcement.id) and event.actor_id == admin.id


def test_draft_then_publish_then_unpublish(admin):
    announcement = services.create(admin, {"title": "草稿", "body_md": "内容"})
    assert not announcement.is_published and announcement.published_at is None
    services.publish(admin, announcement)
    assert announcement.is_published and announcement.published_at is not None
    with pytest.raises(InvalidInput):
        services.publish(admin, announcement)
    services.unpublish(admin, announcement)
    assert not announcement.is_published and announcement.published_at is None
    with pytest.raises(InvalidInput):
        services.unpublish(admin, announcement)
    db.session.commit()
    actions = db.session.execute(
        select(AuditEvent.action).where(AuditEvent.object_type == "announcement").order_by(AuditEvent.seq)
    ).scalars().all()
    assert actions == ["announcement.create", "announcement.publish", "announcement.unpublish"]


def test_update_keeps_the_first_publication_time_and_audits_changes(admin, make_announcement):
    announcement = make_announcement()
    first = announcement.published_at
    services.update(admin, announcement, {"title": "新标题", "body_md": announcement.body_md, "is_published": True})
    db.session.commit()
    assert announcement.title == "新标题" and announcement.published_at == first
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "announcement.update")).scalar_one()
    assert "新标题" in event.payload and "body_md" not in event.payload.split('"changes"')[1].split('"details"')[0]


def test_update_without_changes_records_nothing(admin, make_announcement):
    announcement = make_announcement()
    services.update(admin, announcement, {"title": announcement.title, "body_md": announcement.body_md,
                                          "is_published": True})
    db.session.commit()
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "announcement.update")).first() is None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"title": "", "body_md": "x"}, "title", "请填写标题。"),
    ({"title": "   ", "body_md": "x"}, "title", "请填写标题。"),
    ({"title": "题" * 201, "body_md": "x"}, "title", "标题过长（不超过 200 字，现为 201 字）。"),
    ({"title": "标题", "body_md": ""}, "body_md", "请填写正文。"),
    ({"title": "标题", "body_md": "文" * 20001}, "body_md", "正文过长（不超过 20000 字，现为 20001 字）。"),
    ({"title": "标题", "body_md": "x", "published_at": "明天"}, "published_at",
     "发布时间格式不正确，应为“2026-11-24 09:30”（北京时间）。"),
    ({"title": "标题", "body_md": "x", "published_at": "1900-01-01"}, "published_at", "发布时间应在 2000 年至 2100 年之间。"),
])
def test_validation(admin, data, field, message):
    with pytest.raises(InvalidInput) as caught:
        services.create(admin, data)
    assert caught.value.fields[field] == message


def test_limits_are_inclusive(admin):
    announcement = services.create(admin, {"title": "题" * 200, "body_md": "文" * 20000})
    assert len(announcement.title) == 200


def test_published_at_is_beijing_time(admin):
    announcement = services.create(admin, {"title": "定时", "body_md": "x", "is_published": True,
                                           "published_at": "2026-11-24T09:30"})
    assert announcement.published_at.isoformat() == "2026-11-24T01:30:00+00:00"


@pytest.mark.parametrize("role", ["inspector", "unit", "discipline"])
def test_others_may_not_manage(make_user, make_unit, root_office, role):
    from portal.registry.models import DisciplineBody

    extra = {}
    if role == "unit":
        extra["unit"] = make_unit("杭州市示例局")
    if role == "discipline":
        body = DisciplineBody(name="杭州市纪委监委", office=root_office)
        db.session.add(body)
        db.session.commit()
        extra["body"] = body
    user = make_user(role=role, **extra)
    with pytest.raises(PermissionDenied):
        services.create(user, {"title": "标题", "body_md": "正文"})


def test_revoked_admin_may_not_manage(admin):
    admin.permission_overrides.append(UserPermission(permission="announcements.manage", is_granted=False))
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.create(admin, {"title": "标题", "body_md": "正文"})


def test_constraint_ties_the_flag_to_the_time(app, admin):
    db.session.add(Announcement(title="坏数据", body_md="x", is_published=True, published_at=None))
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError on both databases
        db.session.flush()
    db.session.rollback()


# ---------------------------------------------------------------- admin screens

def test_admin_list_and_create(client, login, admin, make_announcement):
    make_announcement("已发布的通知")
    make_announcement("一份草稿", is_published=False)
    login(admin)
    html = text_of(client.get("/disclosure/announcements"))
    assert "通知公告管理" in html and "已发布的通知" in html and "一份草稿" in html and "草稿</span>" in html
    nav = html[html.index('id="mainnav"'):html.index("</nav>")]
    assert 'href="/disclosure/announcements" aria-current="page">通知公告</a>' in nav
    response = client.post("/disclosure/announcements/new",
                           data={"title": "新的通知", "body_md": "**正文**", "is_published": "y"})
    assert response.status_code == 302 and response.location.endswith("/disclosure/announcements")
    created = db.session.execute(select(Announcement).where(Announcement.title == "新的通知")).scalar_one()
    assert created.is_published
    assert "<strong>正文</strong>" in text_of(client.get(f"/announcements/{created.id}"))


def test_admin_form_shows_chinese_errors_beside_the_fields(client, login, admin):
    login(admin)
    response = client.post("/disclosure/announcements/new",
                           data={"title": "", "body_md": "文" * 20001, "published_at": "不是时间"})
    assert response.status_code == 200
    html = text_of(response)
    by_field = {}
    for name in ("title", "body_md", "published_at"):
        after = html[html.index(f'name="{name}"'):]
        block = after[:after.index('<div class="mb-3">') if '<div class="mb-3">' in after else len(after)]
        by_field[name] = re.search(r'invalid-feedback d-block">([^<]+)<', block).group(1)
    assert by_field["title"] == "请填写标题。"
    assert by_field["body_md"] == "正文过长（不超过 20000 字，现为 20001 字）。"
    assert by_field["published_at"].startswith("发布时间格式不正确")
    assert db.session.execute(select(Announcement)).first() is None


def test_admin_edit_publish_unpublish(client, login, admin, make_announcement):
    announcement = make_announcement(is_published=False)
    login(admin)
    html = text_of(client.get(f"/disclosure/announcements/{announcement.id}/edit"))
    assert 'value="关于系统维护的通知"' in html and "系统将于周六维护。</textarea>" in html
    response = client.post(f"/disclosure/announcements/{announcement.id}/edit",
                           data={"title": "改后的标题", "body_md": "改后的正文"})
    assert response.status_code == 302
    assert announcement.title == "改后的标题" and not announcement.is_published
    assert client.get(f"/announcements/{announcement.id}").status_code == 404
    client.post(f"/disclosure/announcements/{announcement.id}/publish")
    assert client.get(f"/announcements/{announcement.id}").status_code == 200
    client.post(f"/disclosure/announcements/{announcement.id}/unpublish")
    html = text_of(client.get("/disclosure/announcements"))
    assert "已撤下通知公告：改后的标题，公众不再能看到。" in html
    assert client.get(f"/announcements/{announcement.id}").status_code == 404


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/disclosure/announcements"),
    ("get", "/disclosure/announcements/new"),
    ("post", "/disclosure/announcements/new"),
    ("get", "/disclosure/announcements/{id}/edit"),
    ("post", "/disclosure/announcements/{id}/edit"),
    ("post", "/disclosure/announcements/{id}/publish"),
    ("post", "/disclosure/announcements/{id}/unpublish"),
])
def test_admin_screens_need_the_permission(client, login, make_user, make_announcement, method, path):
    announcement = make_announcement()
    path = path.format(id=announcement.id)
    anonymous = getattr(client, method)(path, data={"title": "x", "body_md": "y"})
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    login(make_user(role="inspector"))
    response = getattr(client, method)(path, data={"title": "x", "body_md": "y"})
    assert response.status_code == 403
    db.session.refresh(announcement)
    assert announcement.title == "关于系统维护的通知" and announcement.is_published


def test_inspector_has_no_nav_link(client, login, make_user):
    login(make_user(role="inspector"))
    html = text_of(client.get("/workspace"))
    assert "/disclosure/announcements" not in html


def test_unknown_announcement_is_404(client, login, admin):
    login(admin)
    assert client.get("/disclosure/announcements/999/edit").status_code == 404
    assert client.post("/disclosure/announcements/999/publish").status_code == 404


def test_admin_forms_carry_a_csrf_token(app, client, login, admin, make_announcement):
    make_announcement()
    login(admin)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert 'name="csrf_token"' in text_of(client.get("/disclosure/announcements/new"))
        assert 'name="csrf_token"' in text_of(client.get("/disclosure/announcements"))
        response = client.post("/disclosure/announcements/new", data={"title": "无令牌", "body_md": "x"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.execute(select(Announcement).where(Announcement.title == "无令牌")).first() is None


# ---------------------------------------------------------------- public side

def test_public_sees_only_published_and_due(client, make_announcement):
    shown = make_announcement("已发布的通知")
    draft = make_announcement("草稿通知", is_published=False)
    future = make_announcement("明天的通知", published_at=utcnow() + timedelta(days=1))
    for path in ("/announcements", "/", "/sitemap.xml"):
        html = text_of(client.get(path))
        assert "已发布的通知" in html or f"/announcements/{shown.id}" in html
        assert "草稿通知" not in html and "明天的通知" not in html
        assert f"/announcements/{draft.id}<" not in html and f"/announcements/{future.id}<" not in html
    assert client.get(f"/announcements/{shown.id}").status_code == 200
    assert client.get(f"/announcements/{draft.id}").status_code == 404
    assert client.get(f"/announcements/{future.id}").status_code == 404
    assert client.get("/announcements/0").status_code == 404
    assert client.get("/announcements/99999999999").status_code == 404


def test_public_list_is_paged_newest_first(client, make_announcement):
    base = utcnow() - timedelta(days=30)
    for i in range(17):
        make_announcement(f"通知第{i:02d}号", published_at=base + timedelta(days=i))
    html = text_of(client.get("/announcements"))
    titles = re.findall(r"通知第(\d\d)号", html)
    assert titles[:3] == ["16", "15", "14"] and len(titles) == 15
    assert 'href="/announcements?page=2"' in html
    assert re.findall(r"通知第(\d\d)号", text_of(client.get("/announcements?page=2"))) == ["01", "00"]
    for page in ("0", "abc", "9999"):
        assert client.get(f"/announcements?page={page}").status_code == 200


def test_announcement_markdown_is_sanitised(client, make_announcement):
    announcement = make_announcement(
        "安全测试", "正文\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[链接](javascript:alert(3))"
    )
    html = text_of(client.get(f"/announcements/{announcement.id}"))
    main = html[html.index("<main"):html.index("</main>")]
    assert "<p>正文</p>" in main
    assert "<script" not in main and "onerror" not in main and "javascript:" not in main


def test_demo_step_is_idempotent(app):
    from disclosure.demo import create_demo_announcements

    lines = []
    create_demo_announcements(lines.append)
    create_demo_announcements(lines.append)
    db.session.commit()
    assert lines == ["  通知公告：2 条", "  通知公告：0 条"]
    assert len(db.session.execute(select(Announcement).where(Announcement.is_published.is_(True))).all()) == 2
