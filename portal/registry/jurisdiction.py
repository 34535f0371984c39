"""分级负责: which office has jurisdiction over a region, and keeping units' office in step.

A unit falls under the office whose region is the unit's region or, failing that, the nearest
enclosing region that has an office. ``Unit.office_id`` is derived from this and is only ever set
here (on unit save, and for all units when the office tree changes).
"""
from __future__ import annotations

from sqlalchemy import select, update

from portal.extensions import db
from portal.registry import regions
from portal.registry.models import Office, Unit


def office_for_region(region_code: str) -> Office | None:
    chain = regions.ancestors(region_code) if regions.is_valid(region_code) else [region_code]
    found = {
        office.region_code: office
        for office in db.session.scalars(select(Office).where(Office.region_code.in_(chain)))
    }
    for code in chain:
        if code in found:
            return found[code]
    return None


def reassign_units() -> int:
    """Recompute every unit's office after the office tree changed; returns how many moved."""
    moved = 0
    region_codes = db.session.scalars(select(Unit.region_code).distinct()).all()
    for code in region_codes:
        office = office_for_region(code)
        if office is None:
            continue
        result = db.session.execute(
            update(Unit)
            .where(Unit.region_code == code, Unit.office_id != office.id)
            .values(office_id=office.id)
            .execution_options(synchronize_session="fetch")
        )
        moved += result.rowcount or 0
    return moved


def root_office() -> Office:
    return db.session.scalars(select(Office).where(Office.parent_id.is_(None)).order_by(Office.id)).first()
