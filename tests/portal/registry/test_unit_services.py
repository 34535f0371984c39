"""Unit services without HTTP: validation, jurisdiction, history, derived figures."""
import pytest

from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.registry import services
from portal.registry.models import UnitStatus
from tests.conftest import credit_code


def unit_data(**overrides):
    data = {
        "code": credit_code("330100"), "name": "杭州市审计局", "kind": "party_gov", "level": "正处级",
        "region_code": "330100", "functions_md": "负责全市审计监督。",
        "quotas": {"administrative": {"approved": 40, "actual": 42}}, "posts": {"chief": [1, 1], "deputy": [3, 4]},
    }
    data.update(overrides)
    return data


@pytest.fixture()
def admin(make_user):
    return make_user("admin1", role="admin")


def test_create_unit_derives_office_and_figures(app, admin, root_office):
    unit = services.create_unit(admin, unit_data())
    db.session.commit()
    assert unit.office_id == root_office.id
    assert unit.level == "division"
    quota = unit.quotas[0]
    assert (quota.excess, quota.vacancy) == (2, 0)
    assert {p.rank: p.excess for p in unit.posts} == {"chief": 0, "deputy": 1}


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"code": "12330100MB0000000X"}, "code", "校验位"),
        ({"code": "123"}, "code", "18位"),
        ({"kind": "公司"}, "kind", "机构类型"),
        ({"category": "公益一类"}, "category", "只有事业单位"),
        ({"region_code": "999999"}, "region_code", "无效"),
        ({"region_code": "110101"}, "region_code", "不在本系统"),
        ({"quotas": {"administrative": {"approved": -1, "actual": 0}}}, "quotas.administrative.approved", "负数"),
        ({"quotas": {"administrative": {"approved": "十", "actual": 0}}}, "quotas.administrative.approved", "不是数字"),
        ({"quotas": {"编制X": [1, 1]}}, "quotas.编制X", "未知"),
        ({"name": ""}, "name", "请填写"),
    ],
)
def test_bad_input_is_rejected_and_nothing_saved(app, admin, overrides, field, fragment):
    from portal.registry.models import Unit

    with pytest.raises(InvalidInput) as info:
        services.create_unit(admin, unit_data(**overrides))
    assert fragment in info.value.fields[field]
    db.session.rollback()
    assert db.session.query(Unit).count() == 0


def test_duplicate_code(app, admin):
    data = unit_data()
    services.create_unit(admin, data)
    db.session.commit()
    with pytest.raises(InvalidInput) as info:
        services.create_unit(admin, unit_data(code=data["code"], name="另一个单位"))
    assert "已被" in info.value.fields["code"]


def test_parent_cycle_is_rejected(app, admin):
    top = services.create_unit(admin, unit_data(name="杭州市教育局"))
    child = services.create_unit(admin, unit_data(name="杭州市教育考试院", kind="institution", parent_id=top.id))
    db.session.commit()
    data = unit_data(code=top.code, name=top.name, parent_id=child.id)
    with pytest.raises(InvalidInput) as info:
        services.update_unit(admin, top, data)
    assert "循环" in info.value.fields["parent_id"]


def test_district_unit_is_outside_city_admins_write_scope(app, admin, make_office):
    make_office("330106")
    with pytest.raises(InvalidInput) as info:
        services.create_unit(admin, unit_data(region_code="330106"))
    assert "管理" in info.value.fields["region_code"]


def test_inspector_cannot_create(app, make_user):
    inspector = make_user(role="inspector")
    with pytest.raises(PermissionDenied):
        services.create_unit(inspector, unit_data())


def test_rename_and_abolish_write_history(app, admin):
    unit = services.create_unit(admin, unit_data(established_on="2019-03-01"))
    services.rename_unit(admin, unit, {"new_name": "杭州市审计局（新）", "occurred_on": "2024-01-02"})
    services.abolish_unit(admin, unit, {"occurred_on": "2025-06-30", "summary": "机构改革撤销"})
    db.session.commit()
    assert unit.status == UnitStatus.ABOLISHED.value
    assert [e.kind for e in unit.events] == ["established", "renamed", "abolished"]
    assert ("former", "杭州市审计局") in {(n.kind, n.name) for n in unit.other_names}
    with pytest.raises(InvalidInput):
        services.update_unit(admin, unit, unit_data(code=unit.code, name=unit.name))


def test_update_is_audited_with_diff(app, admin):
    from portal.audit.models import AuditEvent

    unit = services.create_unit(admin, unit_data())
    data = unit_data(code=unit.code, quotas={"administrative": {"approved": 45, "actual": 42}})
    changes = services.update_unit(admin, unit, data, change={"occurred_on": "2026-01-05"})
    db.session.commit()
    assert changes["quotas"] == [{"administrative": [40, 42]}, {"administrative": [45, 42]}]
    last = db.session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    assert last.action == "unit.update"
    assert [e.kind for e in unit.events] == ["quotas_changed"]


def test_office_tree_move_reassigns_units_and_rejects_cycles(app, admin, root_office):
    unit = services.create_unit(admin, unit_data(region_code="330106", name="西湖区某局"))
    district = services.create_office(admin, {"name": "西湖区编办", "short_name": "西编", "region_code": "330106",
                                              "parent_id": root_office.id})
    db.session.commit()
    assert unit.office_id == district.id
    sub = services.create_office(admin, {"name": "某街道", "short_name": "街", "region_code": "330108",
                                         "parent_id": district.id})
    with pytest.raises(InvalidInput) as info:
        services.update_office(admin, district, {**{k: getattr(district, k) for k in ("name", "short_name",
                                                  "region_code")}, "parent_id": sub.id})
    assert "循环" in info.value.fields["parent_id"]
