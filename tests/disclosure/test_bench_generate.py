"""``bench generate``: valid, published, searchable units in bulk, one audit event, the chain intact."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.extensions import db
from portal.registry import creditcode, regions
from portal.registry.models import Unit, UnitName

from disclosure.models import Publication
from disclosure.queries import public_publications
from disclosure.search import SearchDocument, index_documents, open_or_create_index, search
from disclosure.snapshot import build_snapshot


def _document(snapshot: dict) -> SearchDocument:
    return SearchDocument(
        code=snapshot["code"], name=snapshot["name"], short_name=snapshot["short_name"],
        other_names=[n["name"] for n in snapshot.get("other_names", [])], functions_text=snapshot["functions_md"],
        kind=snapshot["kind"]["code"], level=(snapshot["level"] or {}).get("code", ""),
        region_code=snapshot["region"]["code"], parent_code=snapshot.get("parent", {}).get("code", ""),
        parent_name=snapshot.get("parent", {}).get("name", ""),
    )


def test_generate_makes_valid_published_units_with_one_audit_event(runner, root_office, tmp_path):
    result = runner.invoke(args=["bench", "generate", "--units", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "已生成 60 个单位" in result.output

    units = db.session.execute(select(Unit)).scalars().all()
    assert len(units) == 60
    assert all(creditcode.is_valid(u.code) and regions.is_valid(u.region_code) for u in units)
    assert len({u.code for u in units}) == 60
    assert {u.kind for u in units} >= {"party_gov", "institution", "mass_org"}
    assert any(u.parent_id for u in units) and any(u.short_name for u in units)
    assert db.session.scalar(select(func.count()).select_from(UnitName)) >= 1
    assert all(300 <= len(u.functions_md) <= 1200 for u in units)

    rows = db.session.execute(public_publications()).all()
    assert len(rows) == 60
    for publication, unit in rows:
        assert publication.snapshot == build_snapshot(unit)      # the same shape the publication path freezes

    actions = Counter(db.session.scalars(select(AuditEvent.action)))
    assert actions == {"bench.generate": 1}
    assert verify_chain().ok

    si = open_or_create_index(tmp_path)
    try:
        assert index_documents(si, [_document(p.snapshot) for p, _ in rows])
        bureau = next(u for u in units if u.name.endswith("市场监督管理局"))
        assert search(si, bureau.name).hits[0].code == bureau.code
        assert search(si, "市监局").total >= 1
    finally:
        si.close()


def test_generate_twice_adds_more_units_with_new_codes(runner, root_office):
    assert runner.invoke(args=["bench", "generate", "--units", "5"]).exit_code == 0
    again = runner.invoke(args=["bench", "generate", "--units", "5"])
    assert again.exit_code == 0, again.output
    codes = db.session.scalars(select(Unit.code)).all()
    assert len(codes) == len(set(codes)) == 10
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 10
    assert verify_chain().ok
