"""The UI shell: Chinese error pages, navigation by role and permission, the dashboard, nothing from a CDN."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import url_for

from portal import create_app
from portal.config import ROOT_DIR, TEMPLATES_DIR
from portal.errors import PermissionDenied
from portal.extensions import db
from tests.conftest import TEST_CONFIG

# ---------------------------------------------------------------- error pages


def test_404_page_is_chinese_html(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "页面不存在" in html
    assert "未找到该页面或记录，或您无权查看。" in html
    assert "Not Found" not in html


def test_404_under_the_api_is_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.fixture()
def strict_app(_migrated, database_url, data_dir):
    """An app that handles unexpected exceptions as production does, with routes that fail."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
                      "HANDLE_500_IN_TESTS": True})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.route("/bad-sql")
    def bad_sql():
        db.session.execute(sa.text("SELECT no_such_column FROM no_such_table"))
        return "unreachable"

    @app.route("/forbidden")
    def forbidden():
        raise PermissionDenied()

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/boom", "/bad-sql"])
def test_500_page_is_chinese_and_shows_no_traceback(strict_app, path, caplog):
    response = strict_app.test_client().get(path)
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "服务器出错了" in html
    assert "服务器内部错误，请稍后再试或联系管理员。" in html
    for leak in ("Traceback", "secret internal detail", "no_such_table", "RuntimeError", "Internal Server Error"):
        assert leak not in html
    # the 500 page needs no database: no user menu, no notification count
    assert "navbar-toggler" not in html
    assert "unhandled error" in caplog.text  # logged for the administrator instead


def test_403_page_is_chinese(strict_app):
    response = strict_app.test_client().get("/forbidden")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "无权访问" in html
    assert "您没有执行此操作的权限。" in html


# ---------------------------------------------------------------- offline: vendored assets only

_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE,
)
_CSS_REMOTE = re.compile(r"(?:@import\s+(?:url\()?|url\()\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)


def _files(folder, pattern):
    return sorted(p for p in folder.rglob(pattern) if p.is_file())


def test_templates_load_nothing_from_other_hosts():
    templates = _files(TEMPLATES_DIR, "*.html")
    assert TEMPLATES_DIR / "base.html" in templates
    offenders = [str(p.relative_to(ROOT_DIR)) for p in templates if _RESOURCE.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_stylesheets_load_nothing_from_other_hosts():
    sheets = _files(ROOT_DIR / "portal" / "static", "*.css")
    assert sheets
    offenders = [str(p.relative_to(ROOT_DIR)) for p in sheets if _CSS_REMOTE.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("sample", [
    '<script src="https://cdn.jsdelivr.net/npm/bootstrap.js"></script>',
    "<link rel='stylesheet' href='//cdn.example.com/b.css'>",
])
def test_remote_resource_pattern_catches_cdn_links(sample):
    assert _RESOURCE.search(sample)


@pytest.mark.parametrize(("filename", "mimetype"), [
    ("vendor/bootstrap/bootstrap.min.css", "text/css"),
    ("vendor/bootstrap/bootstrap.bundle.min.js", "text/javascript"),
    ("css/portal.css", "text/css"),
])
def test_vendored_assets_are_served(client, filename, mimetype):
    response = client.get(f"/static/{filename}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert len(response.data) > 100
    response.close()


def test_pages_use_the_vendored_assets(client):
    html = client.get("/no/such/page").get_data(as_text=True)
    assert 'href="/static/vendor/bootstrap/bootstrap.min.css"' in html
    assert 'src="/static/vendor/bootstrap/bootstrap.bundle.min.js"' in html


# ---------------------------------------------------------------- layout, navigation, dashboard


def test_layout_has_skip_link_and_mobile_navbar(client, make_user, login):
    login(make_user(role="admin"))
    html = client.get("/workspace").get_data(as_text=True)
    assert 'name="viewport"' in html
    assert '<a class="visually-hidden-focusable skip-link" href="#main">跳到正文</a>' in html
    assert '<main id="main"' in html
    assert 'class="navbar-toggler"' in html and 'data-bs-target="#mainnav"' in html
    assert "d-print-none" in html  # navigation is not printed


NAV = ("机构编制台账", "编办", "用户管理", "审计日志")


@pytest.fixture()
def user_of_role(app, make_user, make_unit, root_office):
    from portal.registry.models import DisciplineBody

    def factory(role):
        if role == "unit":
            return make_user(role="unit", unit=make_unit("杭州市示例局"))
        if role == "discipline":
            body = DisciplineBody(name="杭州市纪委监委", office=root_office)
            db.session.add(body)
            db.session.commit()
            return make_user(role="discipline", body=body)
        return make_user(role=role)

    return factory


def _nav_labels(html):
    nav = html[html.index('id="mainnav"'):html.index("</nav>")]
    return {label for label in NAV if f">{label}</a>" in nav}


@pytest.mark.parametrize(("role", "expected"), [
    ("admin", {"机构编制台账", "编办", "用户管理", "审计日志"}),
    ("inspector", {"机构编制台账"}),
    ("unit", set()),
    ("discipline", set()),
])
def test_navigation_follows_role(client, login, user_of_role, role, expected):
    login(user_of_role(role))
    html = client.get("/workspace").get_data(as_text=True)
    assert _nav_labels(html) == expected
    assert ("本单位" in html) == (role == "unit")


def test_navigation_follows_revoked_permission(client, login, make_user):
    """三员分立: an administrator whose audit.read is revoked no longer sees the audit trail."""
    from portal.accounts.models import UserPermission

    admin = make_user(role="admin")
    admin.permission_overrides.append(UserPermission(permission="audit.read", is_granted=False))
    db.session.commit()
    login(admin)
    html = client.get("/workspace").get_data(as_text=True)
    assert _nav_labels(html) == {"机构编制台账", "编办", "用户管理"}


def test_unread_notification_count(client, login, make_user):
    from portal.notify.models import Notification
    from portal.timeutil import utcnow

    user = make_user(role="inspector")
    other = make_user(role="inspector")
    for i in range(3):
        db.session.add(Notification(user=user, kind="test", subject=f"通知{i}"))
    db.session.add(Notification(user=user, kind="test", subject="已读", read_at=utcnow()))
    db.session.add(Notification(user=other, kind="test", subject="别人的"))
    db.session.commit()
    login(user)
    html = client.get("/workspace").get_data(as_text=True)
    assert '3<span class="visually-hidden">条未读</span>' in html
    assert "您有 3 条未读通知。" in html


def test_no_badge_without_unread_notifications(client, login, make_user):
    login(make_user(role="inspector"))
    html = client.get("/workspace").get_data(as_text=True)
    assert "条未读" not in html


@pytest.mark.parametrize(("role", "present", "absent"), [
    ("admin", ["用户管理", "审计日志", "机构编制台账", "新增单位"], ["移送事项"]),
    ("inspector", ["机构编制台账", "进入台账"], ["用户管理", "审计日志", "新增单位"]),
    ("unit", ["杭州市示例局", "查看本单位"], ["用户管理", "进入台账"]),
    ("discipline", ["移送事项", "杭州市纪委监委"], ["机构编制台账", "用户管理"]),
])
def test_dashboard_by_role(client, login, user_of_role, role, present, absent):
    login(user_of_role(role))
    response = client.get("/workspace")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1" in html and "工作台" in html
    main = html[html.index("<main"):]
    for text in present:
        assert text in main
    for text in absent:
        assert text not in main


def test_dashboard_links_work(client, login, user_of_role):
    """Every link on the dashboard and in the navigation opens for the user who sees it."""
    for role in ("admin", "inspector", "unit", "discipline"):
        user = user_of_role(role)
        login(user)
        html = client.get("/workspace").get_data(as_text=True)
        links = set(re.findall(r'<a class="(?:nav-link|btn)[^"]*"\s+href="(/[^"#]*)"', html))
        assert links, role
        for link in sorted(links):
            response = client.get(link)
            assert response.status_code == 200, (role, link, response.status_code)
        client.post("/logout")


def test_unit_user_goes_to_its_own_unit(client, login, user_of_role):
    user = user_of_role("unit")
    login(user)
    html = client.get("/workspace").get_data(as_text=True)
    assert f'href="{url_for("registry.unit_detail", unit_id=user.unit_id, _external=False)}"' in html
    assert _nav_labels(html) == set()


def test_anonymous_workspace_goes_to_login(client):
    response = client.get("/workspace")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_404_for_a_signed_in_user_keeps_the_navigation(client, login, make_user):
    login(make_user(role="admin"))
    html = client.get("/no/such/page").get_data(as_text=True)
    assert "页面不存在" in html
    assert _nav_labels(html) == set(NAV)
