"""What a snapshot shows, and that nothing classified (nor personal) ever gets into it."""
import json

import pytest

from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry.models import CLASSIFIABLE_FIELDS, UnitName

from disclosure.snapshot import HIDES, build_snapshot, leaks, redact


def dumped(snapshot: dict) -> str:
    return json.dumps(snapshot, ensure_ascii=False)


def test_snapshot_has_the_public_fields(w):
    snap = build_snapshot(w.audit_bureau)
    assert snap["name"] == "杭州市审计局" and snap["short_name"] == "市审计局" and snap["code"] == w.audit_bureau.code
    assert snap["kind"] == {"code": "party_gov", "label": "党政机关"}
    assert snap["level"] == {"code": "division", "label": "正处级"}
    assert snap["funding"] == {"code": "full", "label": "财政全额"}
    assert snap["region"] == {"code": "330100", "name": "浙江省杭州市"}
    assert snap["functions_md"] == "负责全市审计监督。"
    assert snap["departments"] == [{"name": "财政审计处", "functions_md": "承担财政预算执行审计。",
                                    "posts": [{"rank": {"code": "chief", "label": "正职"}, "approved": 1}]}]
    assert {q["category"]["code"]: q["approved"] for q in snap["quotas"]} == {"administrative": 40, "logistics": 3}
    assert snap["approved_total"] == 43
    assert {p["rank"]["code"]: p["approved"] for p in snap["posts"]} == {"chief": 1, "deputy": 3}
    assert snap["documents"] == [{"doc_number": "杭编〔2019〕12号", "title": "审计局三定规定", "issued_on": "2019-02-28"}]
    assert snap["other_names"][0]["name"] == "杭州市审计监督中心"
    child = build_snapshot(w.info_centre)
    assert child["parent"] == {"code": w.audit_bureau.code, "name": "杭州市审计局"}
    assert child["category"]["label"] == "公益一类"


def test_actual_headcount_is_hidden_by_default_and_shown_when_allowed(app, w):
    snap = build_snapshot(w.audit_bureau)
    assert "actual_total" not in snap
    assert all("actual" not in row for row in snap["quotas"] + snap["posts"] + snap["departments"][0]["posts"])
    app.config["DISCLOSURE_SHOW_ACTUAL"] = True
    snap = build_snapshot(w.audit_bureau)
    assert snap["actual_total"] == 44
    assert {q["category"]["code"]: q["actual"] for q in snap["quotas"]} == {"administrative": 42, "logistics": 2}
    w.audit_bureau.classified_fields = ["actual_headcount"]
    snap = build_snapshot(w.audit_bureau)
    assert "actual_total" not in snap and all("actual" not in q for q in snap["quotas"])


def test_every_classifiable_field_hides_something():
    assert set(HIDES) == set(CLASSIFIABLE_FIELDS)


MARKERS = {
    "functions": "绝密职责标记甲",
    "departments": "绝密处室标记乙",
    "documents": "绝密文件标记丙",
    "other_names": "绝密牌子标记丁",
}


@pytest.mark.parametrize("field", sorted(CLASSIFIABLE_FIELDS))
def test_a_classified_field_is_left_out(w, field):
    unit = w.audit_bureau
    unit.functions_md = MARKERS["functions"]
    unit.departments[0].name = MARKERS["departments"]
    unit.documents[0].title = MARKERS["documents"]
    unit.other_names.append(UnitName(kind="former", name=MARKERS["other_names"]))
    unit.classified_fields = [field]
    db.session.flush()
    snap = build_snapshot(unit)
    for key in HIDES[field]:
        assert key not in snap
    if field in MARKERS:
        assert MARKERS[field] not in dumped(snap)
    if field == "functions":  # department functions are functions too
        assert all(d["functions_md"] == "" for d in snap["departments"])
    if field == "posts":
        assert all("posts" not in d for d in snap["departments"])
    assert not leaks(unit, snap)


def test_a_classified_unit_has_no_snapshot(w):
    w.education.is_classified = True
    with pytest.raises(InvalidInput, match="涉密单位"):
        build_snapshot(w.education)


def test_a_classified_parent_is_not_named(w):
    w.audit_bureau.name = "绝密上级标记戊"
    w.audit_bureau.is_classified = True
    snap = build_snapshot(w.info_centre)
    assert "parent" not in snap and "绝密上级标记戊" not in dumped(snap) and w.audit_bureau.code not in dumped(snap)


def test_a_parent_is_not_named_when_the_child_classifies_its_parent_field(w):
    w.info_centre.classified_fields = ["parent"]
    snap = build_snapshot(w.info_centre)
    assert "parent" not in snap and w.audit_bureau.code not in dumped(snap)


def test_no_personal_data_in_the_snapshot(w, make_user):
    make_user("contact_person", role="unit", unit=w.audit_bureau, display_name="张三丰", email="zhang@example.cn")
    text = dumped(build_snapshot(w.audit_bureau))
    assert "张三丰" not in text and "zhang@example.cn" not in text and "contact_person" not in text


def test_redact_takes_out_what_became_hidden_and_nothing_else(w):
    before = build_snapshot(w.audit_bureau)
    w.audit_bureau.functions_md = "未经审核的新职责"  # an unreviewed edit must not go public
    w.audit_bureau.classified_fields = ["documents"]
    after = redact(before, w.audit_bureau)
    assert "documents" not in after
    assert after["functions_md"] == "负责全市审计监督。"
    assert leaks(w.audit_bureau, before) and not leaks(w.audit_bureau, after)
