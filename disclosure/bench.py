"""``flask --app portal bench generate --units N [--seed S]``: a large, realistic published register for benchmarks.

Bulk-inserts (SQLAlchemy Core ``executemany`` in batches, ids assigned here) units named like real bodies in
every region of 浙江省 (杭州市西湖区市场监督管理局, 杭州市审计局信息中心, 西湖区留下街道社区卫生服务中心, 第三十二小学 …)
with valid unique GB 32100 credit codes, short names, plaques and former names, parents, kinds, levels,
functions Markdown of 300-1,000 characters, internal departments, quotas and leadership posts — and one
published publication per unit whose snapshot has exactly the shape ``disclosure.snapshot.build_snapshot``
gives (a test compares them). One audit event records the whole generation. The search index is *not*
touched: build it afterwards with ``flask --app portal search reindex`` (timed separately).

Not for production data: it bypasses the publication workflow (no per-unit proposal, review or audit).
"""
from __future__ import annotations

import math
import random
import time
from datetime import date, timedelta

import click
from flask import current_app
from sqlalchemy import func, insert, select, text

from portal.audit.services import acting_as, record
from portal.cli import bench_cli, cli_actor_name
from portal.extensions import db
from portal.registry import creditcode, regions
from portal.registry.jurisdiction import office_for_region, root_office
from portal.registry.models import (
    Funding,
    InternalDepartment,
    LeadershipPost,
    Level,
    PostRank,
    QuotaCategory,
    StaffingQuota,
    Unit,
    UnitCategory,
    UnitKind,
    UnitName,
    UnitNameKind,
)
from portal.timeutil import utcnow

from disclosure import bench_data as v
from disclosure.models import Publication
from disclosure.snapshot import SNAPSHOT_SCHEMA

BATCH = 5000
PER_REGION = 1000                 # units per region at most: 100,000 units spread over 100 regions
PROVINCE = "33"                   # 浙江省
OPINION = "基准测试数据（bench generate），未经人工保密审查"
_KIND_PREFIX = {"party_gov": "11", "institution": "12", "mass_org": "13"}
TABLES = (Unit, UnitName, InternalDepartment, StaffingQuota, LeadershipPost, Publication)


def _coded(enum_cls, code):
    if not code:
        return None
    member = enum_cls(code)
    return {"code": member.value, "label": member.raw_label}


def _regions(count: int) -> list[tuple[str, str, str]]:
    """``(code, name prefix, short prefix)`` of ``count`` regions of the province, cities first."""
    table = regions._table()
    codes = sorted(c for c in table if c.startswith(PROVINCE) and c != PROVINCE + "0000")
    codes.sort(key=lambda c: (not c.endswith("00"), c))
    out = []
    for code in codes[:count]:
        own = table[code]
        city = regions.parent(code)
        prefix = own if code.endswith("00") or not city or city.endswith("0000") else table[city] + own
        out.append((code, prefix, own))
    return out


def _region_templates(prefix: str, short: str, rnd: random.Random):
    """Unit specs of one region in order, parents before their children."""
    city_level = prefix == short
    organ_level = "division" if city_level else "section"
    for name, abbr, kind, fields, plaque in v.DEPARTMENTS:
        full = (f"中共{prefix}委" if name == "机构编制委员会办公室" else prefix) + name
        yield {"name": full, "short": f"{short}{abbr}" if abbr else "", "kind": kind, "fields": fields,
               "plaques": [prefix + plaque] if plaque else [], "former": [], "level": organ_level,
               "parent": None, "key": name}
    for name, _abbr, _kind, fields, _plaque in v.DEPARTMENTS:
        for suffix, old in v.CENTRES:
            head = prefix + name
            yield {"name": head + suffix, "short": "", "kind": "institution", "fields": fields, "plaques": [],
                   "former": [head + old] if rnd.random() < 0.06 else [], "level": "section" if city_level else "stock",
                   "parent": name, "key": None}
    for place in v.PLACES:
        for suffix, kind, parent in v.PLACE_BODIES:
            fields = next((d[3] for d in v.DEPARTMENTS if d[0] == parent), ("基层治理", "便民服务", "社区建设"))
            yield {"name": f"{prefix}{place}{suffix}", "short": f"{place}{suffix}" if kind == "party_gov" else "",
                   "kind": kind, "fields": fields, "plaques": [], "former": [], "level": "section",
                   "parent": parent or None, "key": None}
    for n in range(1, 200):
        for suffix, parent in v.NUMBERED:
            fields = next(d[3] for d in v.DEPARTMENTS if d[0] == parent)
            yield {"name": f"{prefix}第{v.chinese_number(n)}{suffix}", "short": "", "kind": "institution",
                   "fields": fields, "plaques": [], "former": [], "level": "stock", "parent": parent, "key": None}


def _functions(name: str, fields, institution: bool, rnd: random.Random) -> str:
    pool = v.INSTITUTION_CLAUSES + v.CLAUSES[:6] if institution else v.CLAUSES
    target = rnd.randint(300, 1000)
    text = f"{name}的主要职责是："
    index = 0
    while len(text) < target:
        index += 1
        text += f"\n\n（{v.chinese_number(index)}）{rnd.choice(pool).format(d=rnd.choice(fields))}。"
    return text


class _Ids:
    """Next free id per table (ids are assigned here, so children reference parents without a round trip)."""

    def __init__(self):
        self.next = {m: (db.session.execute(select(func.max(m.id))).scalar() or 0) + 1 for m in TABLES}

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _counts(rows, enum_cls, key, show_actual):
    out = []
    for row in rows:
        item = {key: _coded(enum_cls, row[key]), "approved": row["approved"]}
        if show_actual:
            item["actual"] = row["actual"]
        out.append(item)
    return out


def _unit_rows(spec, region_code, office_id, ids, by_key, stamp, rnd, serial, show_actual, out):
    """Rows of one unit (appended to ``out``'s lists) and its snapshot."""
    unit_id = ids.take(Unit)
    kind = spec["kind"]
    institution = kind == "institution"
    code = creditcode.make(f"{_KIND_PREFIX[kind]}{region_code}B{serial:08d}")
    parent = by_key.get(spec["parent"]) if spec["parent"] else None
    unit = {
        "id": unit_id, "code": code, "name": spec["name"], "short_name": spec["short"] or None, "kind": kind,
        "category": rnd.choice(["welfare_1", "welfare_1", "welfare_2", "business"]) if institution else None,
        "is_civil_service_managed": institution and rnd.random() < 0.1,
        "funding": rnd.choice(["full", "full", "partial", "self"]) if institution else "full",
        "level": spec["level"], "parent_id": parent["id"] if parent else None, "region_code": region_code,
        "office_id": office_id, "status": "active", "established_on": date(1995, 1, 1) + timedelta(days=rnd.randrange(10000)),
        "abolished_on": None, "functions_md": _functions(spec["name"], spec["fields"], institution, rnd),
        "is_classified": False, "classified_fields": [], "created_at": stamp, "updated_at": stamp,
    }
    out["units"].append(unit)
    if spec["key"]:
        by_key[spec["key"]] = unit
    names = [("plaque", n) for n in spec["plaques"]] + [("former", n) for n in spec["former"]]
    for name_kind, name in names:
        out["names"].append({"id": ids.take(UnitName), "unit_id": unit_id, "name": name, "kind": name_kind})
    base = rnd.randint(5, 60) if institution else rnd.randint(15, 150)
    quotas = [{"category": "institutional" if institution else "administrative", "approved": base,
               "actual": max(0, base + rnd.randint(-4, 2))}]
    if not institution:
        quotas.append({"category": "logistics", "approved": 3, "actual": rnd.randint(1, 4)})
    quotas.sort(key=lambda q: q["category"])
    posts = [{"rank": "chief", "approved": 1, "actual": 1}]
    if not institution or rnd.random() < 0.5:
        deputies = rnd.randint(2, 4)
        posts.append({"rank": "deputy", "approved": deputies, "actual": deputies + (rnd.random() < 0.05)})
    for q in quotas:
        out["quotas"].append({"id": ids.take(StaffingQuota), "unit_id": unit_id, **q})
    for p in posts:
        out["posts"].append({"id": ids.take(LeadershipPost), "unit_id": unit_id, "department_id": None, **p})
    departments = []
    if kind == "party_gov" and spec["key"]:
        for order, dept in enumerate(rnd.sample(v.INTERNAL_DEPARTMENTS, rnd.randint(3, 6))):
            dept_id = ids.take(InternalDepartment)
            dept_md = f"负责{rnd.choice(spec['fields'])}相关的{rnd.choice(['综合协调', '监督检查', '政策研究', '日常管理'])}工作。"
            out["departments"].append({"id": dept_id, "unit_id": unit_id, "name": dept, "functions_md": dept_md,
                                       "sort_order": order})
            dept_posts = [{"rank": "chief", "approved": 1, "actual": 1}]
            for p in dept_posts:
                out["posts"].append({"id": ids.take(LeadershipPost), "unit_id": unit_id, "department_id": dept_id, **p})
            departments.append({"name": dept, "functions_md": dept_md,
                                "posts": _counts(dept_posts, PostRank, "rank", show_actual)})
    snapshot = {
        "schema": SNAPSHOT_SCHEMA, "code": code, "name": unit["name"], "short_name": unit["short_name"] or "",
        "kind": _coded(UnitKind, kind), "level": _coded(Level, unit["level"]),
        "category": _coded(UnitCategory, unit["category"]), "funding": _coded(Funding, unit["funding"]),
        "is_civil_service_managed": bool(unit["is_civil_service_managed"]),
        "region": {"code": region_code, "name": regions.full_name(region_code)},
        "established_on": unit["established_on"].isoformat(), "functions_md": unit["functions_md"],
        "other_names": [{"kind": _coded(UnitNameKind, k), "name": n} for k, n in names],
        "departments": departments,
        "quotas": _counts(quotas, QuotaCategory, "category", show_actual),
        "approved_total": sum(q["approved"] for q in quotas),
        "posts": _counts(posts, PostRank, "rank", show_actual),
        "documents": [],
    }
    if show_actual:
        snapshot["actual_total"] = sum(q["actual"] for q in quotas)
    if parent is not None:
        snapshot["parent"] = {"code": parent["code"], "name": parent["name"]}
    out["publications"].append({
        "id": ids.take(Publication), "unit_id": unit_id, "version": 1, "status": "published", "snapshot": snapshot,
        "proposed_by_id": None, "proposed_by_name": out["actor"], "proposed_at": stamp,
        "reviewed_by_id": None, "reviewed_by_name": out["actor"], "reviewed_at": stamp, "review_opinion": OPINION,
        "withdrawn_by_id": None, "withdrawn_by_name": None, "withdrawn_at": None, "withdraw_reason": None,
    })


def _specs(units: int, seed: int):
    """``(region_code, spec)`` for ``units`` units: ``PER_REGION`` per region, as many regions as needed."""
    rnd = random.Random(seed)
    count = max(1, math.ceil(units / PER_REGION))
    chosen = _regions(count)
    per_region = math.ceil(units / len(chosen))
    made = 0
    for code, prefix, short in chosen:
        for index, spec in enumerate(_region_templates(prefix, short, rnd)):
            if index >= per_region or made >= units:
                break
            made += 1
            yield code, spec


def _flush(out: dict, timings: dict) -> None:
    for key, model in (("units", Unit), ("names", UnitName), ("departments", InternalDepartment),
                       ("quotas", StaffingQuota), ("posts", LeadershipPost), ("publications", Publication)):
        rows = out[key]
        if rows:
            start = time.perf_counter()
            db.session.execute(insert(model.__table__), rows)
            timings["insert " + key] = timings.get("insert " + key, 0.0) + time.perf_counter() - start
            rows.clear()


def _fix_sequences() -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in TABLES:
        table = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
        ))


def generate(units: int, seed: int = 2026, echo=click.echo) -> dict:
    """Insert ``units`` published units; returns the seconds per phase. Commits once per batch."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    actor = cli_actor_name()
    ids = _Ids()
    serial_base = ids.next[Unit]
    stamp = utcnow()
    show_actual = bool(current_app.config["DISCLOSURE_SHOW_ACTUAL"])
    fallback = root_office()
    offices: dict[str, int] = {}
    rnd = random.Random(seed + 1)
    out = {"units": [], "names": [], "departments": [], "quotas": [], "posts": [], "publications": [], "actor": actor}
    by_key: dict = {}
    current_region = None
    made = 0
    build = 0.0
    for region_code, spec in _specs(units, seed):
        start = time.perf_counter()
        if region_code != current_region:
            current_region, by_key = region_code, {}
            if region_code not in offices:
                office = office_for_region(region_code) or fallback
                offices[region_code] = office.id
        _unit_rows(spec, region_code, offices[region_code], ids, by_key, stamp, rnd, serial_base + made,
                   show_actual, out)
        made += 1
        build += time.perf_counter() - start
        if len(out["units"]) >= BATCH:
            _flush(out, timings)
            db.session.commit()
            echo(f"  {made:,} / {units:,} 个单位")
    _flush(out, timings)
    _fix_sequences()
    with acting_as(actor):
        record("bench.generate", "unit", None, details={"units": made, "seed": seed, "first_id": serial_base})
    db.session.commit()
    timings["build rows and snapshots"] = build
    timings["total"] = time.perf_counter() - started
    timings["units"] = made
    return timings


@bench_cli.command("generate")
@click.option("--units", type=click.IntRange(1, 1_000_000), default=100_000, show_default=True, help="单位数量。")
@click.option("--seed", type=int, default=2026, show_default=True, help="随机种子（相同种子生成相同内容）。")
def generate_command(units: int, seed: int) -> None:
    """生成大量已公开的测试单位（仅用于性能测试；之后请运行 search reindex 重建索引）。"""
    click.echo(f"生成 {units:,} 个已公开单位（种子 {seed}）……")
    timings = generate(units, seed)
    made = timings.pop("units")
    total = timings.pop("total")
    for phase, seconds in timings.items():
        click.echo(f"  {phase:<26} {seconds:8.1f} s")
    click.echo(f"已生成 {made:,} 个单位，用时 {total:.1f} 秒（{made / total:,.0f} 个/秒）。"
               "请运行 flask --app portal search reindex 重建检索索引。")
