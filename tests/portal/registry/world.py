"""A small province of offices, units and users shared by the register's view, API and scoping tests.

杭州市编办 (the root office, 330100) has two district offices, 西湖区 (330106) and 拱墅区 (330105).
Units: two city units (one over establishment), one in each district. Users: a city admin and
inspector, a second city admin (to read the first one's audit events), a 西湖区 admin and inspector,
a 拱墅区 inspector, and a unit user of 杭州市审计局.
"""
from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace

from tests.conftest import credit_code


def build_world(root_office, make_office, make_unit, make_user) -> SimpleNamespace:
    w = SimpleNamespace(city=root_office)
    w.xihu = make_office("330106", name="杭州市西湖区机构编制委员会办公室", short_name="西编")
    w.gongshu = make_office("330105", name="杭州市拱墅区机构编制委员会办公室", short_name="拱编")
    w.audit_bureau = make_unit(
        "杭州市审计局", code=credit_code("330100"), short_name="市审计局", level="division",
        quotas={"administrative": (40, 42), "logistics": (3, 2)}, posts={"chief": (1, 1), "deputy": (3, 3)},
        functions_md="负责全市审计监督。",
    )
    w.education = make_unit(
        "杭州市教育局", short_name="市教育局", level="division",
        quotas={"administrative": (60, 55)}, posts={"chief": (1, 1), "deputy": (4, 5)},
    )
    w.xihu_unit = make_unit("杭州市西湖区教育局", region_code="330106", level="section", quotas={"administrative": (20, 18)})
    w.gongshu_unit = make_unit("杭州市拱墅区财政局", region_code="330105", level="section")
    w.city_admin = make_user("city_admin", role="admin", office=root_office)
    w.city_admin2 = make_user("city_admin2", role="admin", office=root_office)
    w.city_inspector = make_user("city_inspector", role="inspector", office=root_office)
    w.xihu_admin = make_user("xihu_admin", role="admin", office=w.xihu)
    w.xihu_inspector = make_user("xihu_inspector", role="inspector", office=w.xihu)
    w.gongshu_inspector = make_user("gongshu_inspector", role="inspector", office=w.gongshu)
    w.unit_user = make_user("audit_contact", role="unit", unit=w.audit_bureau)
    return w


_ELEMENT = (r'(?:<input\b[^>]*\bid="{id}"[^>]*>|<select\b[^>]*\bid="{id}"[^>]*>.*?</select>'
            r'|<textarea\b[^>]*\bid="{id}"[^>]*>.*?</textarea>)')
_AFTER = r'\s*(?:<div class="form-text">.*?</div>\s*)*((?:<div class="invalid-feedback d-block">.*?</div>\s*)+)'


def errors_beside(html: str, field_id: str) -> list[str]:
    """The error messages rendered right after the input with ``field_id`` (empty when none)."""
    match = re.search(_ELEMENT.replace("{id}", re.escape(field_id)) + _AFTER, html, re.S)
    if match is None:
        return []
    return [unescape(m) for m in re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', match.group(1), re.S)]


def unit_form(**overrides) -> dict:
    """The create form as a browser posts it (a valid city-level unit unless overridden)."""
    data = {
        "code": credit_code("330100"), "name": "杭州市统计局", "short_name": "市统计局", "kind": "party_gov",
        "level": "division", "funding": "full", "region_code": "330100", "functions_md": "负责全市统计工作。",
        "plaques": "杭州市普查中心\n", "former_names": "",
        "quotas-administrative-approved": "30", "quotas-administrative-actual": "28",
        "posts-chief-approved": "1", "posts-chief-actual": "1",
        "posts-deputy-approved": "3", "posts-deputy-actual": "2",
    }
    data.update(overrides)
    return data


def listed_names(html: str) -> set[str]:
    """Names of the units linked from a list page."""
    return set(re.findall(r'<a href="/registry/units/\d+">([^<]+)</a>', html))
