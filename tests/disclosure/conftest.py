"""A city with published-to-be units and users holding one, both or neither publication permission.

杭州市审计局 carries a department, a document, a plaque and quotas; 杭州市审计局信息中心 is its
child (names it as parent). Users: ``proposer`` (disclosure.publish only), ``approver``
(disclosure.approve only), ``both`` (the admin role's defaults: both), ``inspector`` (neither),
``district`` (a 西湖区 admin with both, outside the city's write scope).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.accounts.models import UserPermission
from portal.extensions import db
from portal.registry import services as registry
from portal.registry.models import UnitName
from tests.conftest import credit_code


def revoke(user, permission: str):
    user.permission_overrides.append(UserPermission(permission=permission, is_granted=False))
    db.session.commit()
    return user


def record_of(unit, **overrides) -> dict:
    """The unit's whole record as ``update_unit`` takes it, with ``overrides``."""
    data = {
        "code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
        "category": unit.category, "funding": unit.funding, "level": unit.level, "region_code": unit.region_code,
        "functions_md": unit.functions_md, "is_classified": unit.is_classified,
        "classified_fields": list(unit.classified_fields or []), "parent_id": unit.parent_id,
        "is_civil_service_managed": unit.is_civil_service_managed,
        "other_names": [{"kind": n.kind, "name": n.name} for n in unit.other_names],
    }
    data.update(overrides)
    return data


@pytest.fixture()
def w(root_office, make_office, make_unit, make_user):
    w = SimpleNamespace(city=root_office)
    w.xihu = make_office("330106", name="杭州市西湖区机构编制委员会办公室", short_name="西编")
    w.audit_bureau = make_unit(
        "杭州市审计局", code=credit_code("330100"), short_name="市审计局", level="division", funding="full",
        quotas={"administrative": (40, 42), "logistics": (3, 2)}, posts={"chief": (1, 1), "deputy": (3, 3)},
        functions_md="负责全市审计监督。",
    )
    registry.add_department(None, w.audit_bureau, {"name": "财政审计处", "functions_md": "承担财政预算执行审计。",
                                                   "posts": {"chief": [1, 1]}})
    registry.add_document(None, w.audit_bureau, {"doc_number": "杭编〔2019〕12号", "title": "审计局三定规定",
                                                 "issued_on": "2019-02-28"})
    w.audit_bureau.other_names.append(UnitName(kind="plaque", name="杭州市审计监督中心"))
    w.info_centre = make_unit("杭州市审计局信息中心", kind="institution", parent=w.audit_bureau, category="welfare_1",
                              funding="full", quotas={"institutional": (12, 10)})
    w.education = make_unit("杭州市教育局", quotas={"administrative": (60, 55)})
    w.xihu_unit = make_unit("杭州市西湖区教育局", region_code="330106")
    db.session.commit()
    w.proposer = revoke(make_user("proposer", role="admin"), "disclosure.approve")
    w.approver = revoke(make_user("approver", role="admin"), "disclosure.publish")
    w.both = make_user("both", role="admin")
    w.inspector = make_user("inspector", role="inspector")
    w.district = make_user("district", role="admin", office=w.xihu)
    return w


@pytest.fixture()
def published(w):
    """Publish a unit through the two-person path; returns the published Publication."""
    from disclosure import services

    def do(unit):
        [publication] = services.propose(w.proposer, unit)
        services.approve(w.approver, publication, "经保密审查，不含涉密内容，同意公开。")
        db.session.commit()
        return publication

    return do
