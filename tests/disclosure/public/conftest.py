"""A city whose register holds public units, a classified unit and a unit with classified fields, each
secret carrying a unique marker string that must never appear on a public page.

Units (``pub.*``): ``audit`` 杭州市审计局 (departments, quotas, posts, document, plaque; functions with an
XSS attempt), ``centre`` its child (institution), ``secret`` a classified unit (``SECRET_UNIT``), ``orphan``
a public child of the classified unit, ``partly`` a unit with classified functions and departments
(``SECRET_FIELD``, ``SECRET_DEPT``), ``xihu`` a 西湖区 unit, ``draft`` a unit never published.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.registry import services as registry
from portal.registry.models import UnitName
from tests.conftest import credit_code

SECRET_UNIT = "绝密标记甲QX7"
SECRET_UNIT_FUNCTIONS = "机密职责标记乙QX8"
SECRET_FIELD = "涉密职责标记丙QX9"
SECRET_DEPT = "涉密处室标记丁QX6"
DRAFT_NAME = "杭州市未公开事务局"

XSS_FUNCTIONS = (
    "负责全市审计监督。\n\n"
    "<script>alert('xss-script')</script>\n\n"
    '<img src="x" onerror="alert(\'xss-img\')">\n\n'
    "[点我](javascript:alert('xss-link'))\n\n"
    "- 第一项职责\n- 第二项职责\n"
)


@pytest.fixture(autouse=True)
def _own_search_index(app, tmp_path):
    """Each test searches its own (empty) Whoosh index: the database is emptied between tests."""
    app.config["DATA_DIR"] = str(tmp_path / "data")
    app.config["SEARCH_BACKEND"] = "whoosh"


@pytest.fixture()
def publish():
    """``publish(*units)``: the administrator's path (propose and approve at once), committed."""
    from disclosure import services

    def do(*units):
        for unit in units:
            services.publish_now(None, unit, "经保密审查，不含涉密内容，同意公开。", actor_name="测试管理员")
        db.session.commit()

    return do


@pytest.fixture()
def pub(root_office, make_office, make_unit, publish):
    root_office.address, root_office.phone = "杭州市上城区解放东路18号", "0571-12310"
    root_office.hours, root_office.email = "工作日 8:30-12:00，14:30-17:30", "12310@hangzhou.example.cn"
    p = SimpleNamespace(city=root_office)
    p.xihu_office = make_office("330106", name="杭州市西湖区机构编制委员会办公室", short_name="西编")
    p.audit = make_unit(
        "杭州市审计局", code=credit_code("330100"), short_name="市审计局", level="division", funding="full",
        quotas={"administrative": (40, 42), "logistics": (3, 2)}, posts={"chief": (1, 1), "deputy": (3, 3)},
        functions_md=XSS_FUNCTIONS,
    )
    registry.add_department(None, p.audit, {"name": "财政审计处", "functions_md": "承担财政预算执行审计。",
                                            "posts": {"chief": [1, 1]}})
    registry.add_document(None, p.audit, {"doc_number": "杭编〔2019〕12号", "title": "审计局三定规定",
                                          "issued_on": "2019-02-28"})
    p.audit.other_names.append(UnitName(kind="plaque", name="杭州市审计监督中心"))
    p.centre = make_unit("杭州市审计局信息中心", kind="institution", parent=p.audit, category="welfare_1",
                         funding="full", quotas={"institutional": (12, 10)})
    p.secret = make_unit(f"杭州市{SECRET_UNIT}办公室", is_classified=True, functions_md=SECRET_UNIT_FUNCTIONS)
    p.orphan = make_unit("杭州市保障服务中心", kind="institution", parent=p.secret, category="welfare_1")
    p.partly = make_unit("杭州市国防动员办公室", functions_md=SECRET_FIELD,
                         classified_fields=["functions", "departments"])
    registry.add_department(None, p.partly, {"name": SECRET_DEPT, "functions_md": SECRET_DEPT})
    p.xihu = make_unit("杭州市西湖区教育局", region_code="330106", functions_md="负责西湖区教育工作。")
    p.draft = make_unit(DRAFT_NAME)
    db.session.commit()
    publish(p.audit, p.centre, p.orphan, p.partly, p.xihu)
    return p


MARKERS = (SECRET_UNIT, SECRET_UNIT_FUNCTIONS, SECRET_FIELD, SECRET_DEPT, DRAFT_NAME)


def assert_no_secret(html: str) -> None:
    for marker in MARKERS:
        assert marker not in html, marker
