"""Demo step of the register: offices, a discipline body and about 75 units of a realistic city.

Idempotent: offices are found by region, units by credit code; what exists is left alone.
"""
from __future__ import annotations

from sqlalchemy import select

from portal.demo import demo_step
from portal.extensions import db
from portal.registry import creditcode, services
from portal.registry.demo_data import (
    CITY_DEPARTMENTS,
    CITY_INSTITUTIONS,
    DISCIPLINE_BODY,
    DISTRICT_NAMES,
    DISTRICT_OFFICES,
    DISTRICT_UNITS,
    STANDARD_DEPARTMENTS,
)
from portal.registry.jurisdiction import root_office
from portal.registry.models import DisciplineBody, Office, Unit

ACTOR_NAME = "演示数据"
_KIND_PREFIX = {"party_gov": "11", "institution": "12", "mass_org": "13"}


def demo_code(kind: str, region: str, serial: int) -> str:
    """A stable, valid credit code for the n-th demo unit."""
    return creditcode.make(f"{_KIND_PREFIX[kind]}{region}{'MB' if kind == 'institution' else '00'}{serial:07d}")


def functions_text(name: str, domain: str) -> str:
    parts = [p for p in domain.replace("，", "、").split("、") if p]
    first = parts[0]
    rest = parts[1:] or parts
    lines = [
        f"（一）贯彻落实党中央、国务院和省委、省政府以及市委、市政府关于{first}工作的方针政策和决策部署，"
        f"拟订全市相关政策措施并组织实施。",
        f"（二）负责{first}工作，统筹协调、指导推进全市{first}相关重大事项。",
    ]
    for index, item in enumerate(rest, start=3):
        lines.append(f"（{'一二三四五六七八九十'[index - 1]}）承担{item}的管理和监督职责，健全完善相关制度。")
    lines.append(f"（{'一二三四五六七八九十'[len(lines)]}）完成上级交办的其他任务。")
    return f"{name}的主要职责是：\n\n" + "\n\n".join(lines)


def _office(echo, region: str, name: str, short: str, address: str, phone: str) -> Office:
    office = db.session.execute(select(Office).where(Office.region_code == region)).scalar_one_or_none()
    if office is None:
        office = services.create_office(None, {
            "name": name, "short_name": short, "region_code": region, "parent_id": root_office().id,
            "address": address, "phone": phone, "hours": "工作日 8:30-12:00，14:30-17:30",
        })
        echo(f"  编办：{name}")
    return office


def _unit(data: dict, departments: bool = False) -> Unit | None:
    if db.session.execute(select(Unit.id).where(Unit.code == data["code"])).first():
        return None
    unit = services.create_unit(None, data, actor_name=ACTOR_NAME)
    document = services.add_document(None, unit, {
        "doc_number": f"杭编〔2019〕{unit.id}号", "title": f"关于印发{unit.name}职能配置、内设机构和人员编制规定的通知",
        "issued_on": "2019-02-28",
    })
    services.record_event(None, unit, {"kind": "functions_changed", "occurred_on": "2019-02-28",
                                       "summary": "机构改革后印发三定规定", "document_id": document.id})
    if departments:
        for order, (dept_name, functions) in enumerate(STANDARD_DEPARTMENTS, start=1):
            services.add_department(None, unit, {"name": dept_name, "functions_md": functions, "sort_order": order,
                                                 "posts": {"chief": [1, 1], "deputy": [1, 1]}})
    return unit


@demo_step(10, "机构编制台账：编办、纪检监察机关、单位")
def load_registry(echo) -> None:
    root = root_office()
    if not root.address:
        root.address, root.phone, root.hours = "杭州市上城区解放东路18号", "0571-12310", "工作日 8:30-12:00，14:30-17:30"
        root.email = "12310@hangzhou.example.cn"
    for args in DISTRICT_OFFICES:
        _office(echo, *args)
    if not db.session.scalar(select(DisciplineBody.id).where(DisciplineBody.name == DISCIPLINE_BODY)):
        services.create_discipline_body(None, root, {"name": DISCIPLINE_BODY})
    created = 0
    by_short: dict[str, Unit] = {}
    for serial, row in enumerate(CITY_DEPARTMENTS, start=1):
        name, short, kind, level, domain, approved, actual, chief, dep_ap, dep_ac, plaques, former = row
        data = {
            "code": demo_code(kind, "330100", serial), "name": name, "short_name": short, "kind": kind,
            "level": level, "region_code": "330100", "funding": "full", "functions_md": functions_text(name, domain),
            "established_on": "2019-02-28",
            "quotas": {"administrative": {"approved": approved, "actual": actual},
                       "logistics": {"approved": max(approved // 12, 1), "actual": max(approved // 12, 1)}},
            "posts": {"chief": [1, chief], "deputy": [dep_ap, dep_ac]},
            "other_names": [{"kind": "plaque", "name": p} for p in plaques]
            + [{"kind": "former", "name": f} for f in former],
        }
        unit = _unit(data, departments=serial % 3 == 1)
        created += unit is not None
        by_short[short] = unit or db.session.execute(select(Unit).where(Unit.code == data["code"])).scalar_one()
    for serial, row in enumerate(CITY_INSTITUTIONS, start=1):
        name, short, sponsor, category, funding, level, domain, approved, actual, civil = row
        data = {
            "code": demo_code("institution", "330100", serial), "name": name, "short_name": short,
            "kind": "institution", "category": category, "funding": funding, "level": level,
            "is_civil_service_managed": civil, "region_code": "330100", "parent_id": by_short[sponsor].id,
            "functions_md": functions_text(name, domain), "established_on": "2005-06-01",
            "quotas": {"institutional": {"approved": approved, "actual": actual}},
            "posts": {"chief": [1, 1], "deputy": [2, 2]},
        }
        created += _unit(data) is not None
    serial = 100
    for region, (district, short_district) in DISTRICT_NAMES.items():
        for pattern, short_pattern, kind, level, domain, approved, actual in DISTRICT_UNITS:
            serial += 1
            name = pattern.format(d=district)
            data = {
                "code": demo_code(kind, region, serial), "name": name,
                "short_name": short_pattern.format(s=short_district[:2]), "kind": kind, "level": level,
                "region_code": region, "funding": "full", "functions_md": functions_text(name, domain),
                "established_on": "2021-04-01",
                "quotas": {"administrative": {"approved": approved, "actual": actual}},
                "posts": {"chief": [1, 1], "deputy": [3, 3]},
            }
            created += _unit(data) is not None
    echo(f"  新增单位 {created} 个")
