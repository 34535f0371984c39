"""Public reads: what anyone may see, straight from the database's publication state.

Every public page, the open-data API and the search filter go through these queries: a unit is public
only while it has a ``published`` publication, is active and is not classified. Snapshots pass through
``snapshot.redact`` on the way out as well (what the unit hides *now* stays hidden even in a snapshot
frozen before), so a late classification can never leak through a stale row.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.registry import creditcode, regions
from portal.registry.models import Office, Unit, UnitStatus
from portal.timeutil import utcnow

from disclosure.models import Announcement, Publication, PublicationStatus
from disclosure.snapshot import redact


def public_publications() -> Select:
    """``select(Publication, Unit)`` of every unit the public may see (add filters, order and paging)."""
    return (
        select(Publication, Unit)
        .join(Unit, Unit.id == Publication.unit_id)
        .where(Publication.status == PublicationStatus.PUBLISHED.value, Unit.is_classified.is_(False),
               Unit.status == UnitStatus.ACTIVE.value)
    )


def code_in(codes: list[str]):
    """``Unit.id IN (ids of these codes)``: written so SQLite looks the codes up in their unique index
    first (given ``Unit.code IN (…)`` beside ``status = 'active'`` it walks every active unit instead)."""
    return Unit.id.in_(select(Unit.id).where(Unit.code.in_(codes)))


def public_codes(codes: Collection[str]) -> set[str]:
    """The subset of ``codes`` the public may see now (the search filter against a stale index)."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        return set()
    found: set[str] = set()
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        found.update(db.session.execute(
            public_publications().with_only_columns(Unit.code).where(code_in(chunk))
        ).scalars())
    return found


def public_snapshot(publication: Publication, unit: Unit) -> dict:
    """The snapshot as the public may see it now."""
    return redact(publication.snapshot, unit)


# ---------------------------------------------------------------- public pages (home, unit, tree, sitemap)
# The public pages read the published snapshot (what went through the secrecy review), never the
# register's current columns: an edit nobody has reviewed yet must not show. The JSON paths below work
# on SQLite (json_extract) and PostgreSQL (#>>).

SNAP_NAME = Publication.snapshot["name"].as_string()
SNAP_REGION = Publication.snapshot[("region", "code")].as_string()
SNAP_PARENT = Publication.snapshot[("parent", "code")].as_string()


def public_count() -> int:
    return db.session.execute(public_publications().with_only_columns(func.count())).scalar_one()


@dataclass(frozen=True)
class PublicUnit:
    publication: Publication
    unit: Unit
    snapshot: dict        # through ``redact``: what the public may see now


def public_unit(code: str | None) -> PublicUnit | None:
    """The public version of the unit with credit ``code`` (None when it is not public, or the code is
    malformed or has a wrong check character)."""
    code = creditcode.normalise(code or "")
    if not creditcode.is_valid(code):
        return None
    row = db.session.execute(public_publications().where(Unit.code == code)).first()
    if row is None:
        return None
    publication, unit = row
    return PublicUnit(publication, unit, public_snapshot(publication, unit))


@dataclass
class TreeNode:
    code: str
    name: str
    children: list[TreeNode] = field(default_factory=list)

    @property
    def size(self) -> int:
        return 1 + sum(child.size for child in self.children)


@dataclass
class RegionTree:
    code: str
    name: str
    roots: list[TreeNode]

    @property
    def count(self) -> int:
        return sum(node.size for node in self.roots)


def _sort_tree(nodes: list[TreeNode]) -> list[TreeNode]:
    nodes.sort(key=lambda n: (n.name, n.code))
    for node in nodes:
        _sort_tree(node.children)
    return nodes


def public_tree(region: str | None = None) -> list[RegionTree]:
    """Public units by region (full region names), each region a forest by parent.

    One query; the tree is built here. A unit sits under its parent only when the snapshot names a
    parent that is public now, in the same region, and the unit does not hide its parent now;
    otherwise it is a root of its region. Only public units are ever named, so a classified parent
    never appears. A (corrupt) cycle is cut: its first unit becomes a root.

    With a ``region``, the register's indexed region column narrows the rows before the snapshots are
    read (a unit moved to another region but not yet re-published shows in neither until it is)."""
    query = public_publications().with_only_columns(
        Unit.code, SNAP_NAME, SNAP_REGION, SNAP_PARENT, Unit.classified_fields
    )
    if region is not None:
        query = query.where(Unit.region_code == region, SNAP_REGION == region)
    rows = db.session.execute(query).all()
    nodes = {code: TreeNode(code, name or code) for code, name, _r, _p, _c in rows}
    region_of = {code: region_code or "" for code, _n, region_code, _p, _c in rows}
    parent_of = {
        code: parent for code, _n, region_code, parent, hidden in rows
        if parent and parent in nodes and parent != code and "parent" not in (hidden or [])
        and region_of[parent] == region_code
    }
    placed: set[str] = set()
    forests: dict[str, list[TreeNode]] = {}

    def place(code: str) -> None:
        # walk up to the first placed ancestor or a root; a cycle makes the first unit met a root
        chain, seen = [], set()
        while code not in placed and code not in seen:
            seen.add(code)
            chain.append(code)
            if code not in parent_of:
                break
            code = parent_of[code]
        for child in reversed(chain):
            parent = parent_of.get(child)
            if parent in placed:
                nodes[parent].children.append(nodes[child])
            else:
                forests.setdefault(region_of[child], []).append(nodes[child])
            placed.add(child)

    for code in nodes:
        place(code)
    return [
        RegionTree(region_code, regions.full_name(region_code) if region_code else "", _sort_tree(roots))
        for region_code, roots in sorted(forests.items())
    ]


def public_sitemap_rows(offset: int = 0, limit: int | None = None) -> list[tuple[str, datetime | None]]:
    """``[(code, published_at)]`` of public units in code order (one page of a sitemap)."""
    query = public_publications().with_only_columns(Unit.code, Publication.reviewed_at).order_by(Unit.code)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [(code, published_at) for code, published_at in db.session.execute(query)]


def public_names(codes: Collection[str]) -> dict[str, str]:
    """``{code: published name}`` for the codes that are public now (facet labels, parent links)."""
    codes = list(dict.fromkeys(c for c in codes if c))
    names: dict[str, str] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        names.update(db.session.execute(
            public_publications().with_only_columns(Unit.code, SNAP_NAME).where(code_in(chunk))
        ).all())
    return names


# ---------------------------------------------------------------- announcements and offices

def public_announcements() -> Select:
    """``select(Announcement)`` the public may read: published, publication time reached; newest first."""
    return (
        select(Announcement)
        .where(Announcement.is_published.is_(True), Announcement.published_at <= utcnow())
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
    )


def public_announcement(announcement_id) -> Announcement | None:
    try:
        announcement_id = int(announcement_id)
    except (TypeError, ValueError):
        return None
    if not 0 < announcement_id < 2**31:
        return None
    return db.session.execute(public_announcements().where(Announcement.id == announcement_id)).scalar_one_or_none()


@dataclass(frozen=True)
class OfficeRow:
    office: Office
    depth: int


def public_offices() -> list[OfficeRow]:
    """Every office (their contact details are public), depth-first by region code."""
    offices = db.session.execute(select(Office)).scalars().all()
    children: dict[int | None, list[Office]] = {}
    ids = {o.id for o in offices}
    for office in offices:
        children.setdefault(office.parent_id if office.parent_id in ids else None, []).append(office)
    out: list[OfficeRow] = []

    def walk(parent_id, depth):
        for office in sorted(children.get(parent_id, []), key=lambda o: o.region_code):
            out.append(OfficeRow(office, depth))
            walk(office.id, depth + 1)

    walk(None, 0)
    return out


def public_office(region_code: str | None) -> Office | None:
    code = str(region_code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    return db.session.execute(select(Office).where(Office.region_code == code)).scalar_one_or_none()
