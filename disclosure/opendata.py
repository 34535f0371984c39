"""Open data (公开数据): the published units as the public API serves them, and what its validators are made of.

Everything is read through :mod:`disclosure.queries` (a unit is public only while published, active and not
classified) and passed through ``public_snapshot`` (what a unit hides *now* stays hidden, even in a snapshot
frozen before), then cut down to the snapshot fields the public may see (``services.SNAPSHOT_FIELDS``): no
reviewer, opinion or other personal data ever leaves. Nothing here knows HTTP: ``disclosure.api``
parses the request, calls one function and adds the headers; ``unit_url`` (code → the unit's API address) is
passed in.

* :func:`unit_list` — one page of a public search (``public_search.search_units``) as list items, filled from
  the public snapshots of the hit codes in one query, in hit order, with facets and suggestions;
* :func:`unit_record` — one unit's public record: snapshot, version, publication time, earlier versions;
* :func:`csv_chunks`, :func:`json_chunks` — every published unit, read in batches and streamed, so
  100,000 units never sit in memory at once; :func:`kept` keeps the finished file under the data directory
  (``opendata/``), named by the data's fingerprint, so the next download of the same data is a plain file;
* :func:`last_change`, :func:`export_fingerprint`, :func:`http_last_modified` — what ``ETag`` and
  ``Last-Modified`` are made of (the list and a unit hash their body instead: see ``disclosure.api``).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.errors import NotFound
from portal.extensions import db
from portal.registry import creditcode, regions
from portal.registry.models import Level, PostRank, QuotaCategory, Unit, UnitKind
from portal.spreadsheets import csv_cell
from portal.timeutil import as_utc, to_beijing, utcnow

from disclosure import services
from disclosure.models import Publication
from disclosure.public_search import search_units
from disclosure.queries import code_in, public_names, public_publications, public_snapshot

log = logging.getLogger(__name__)

UnitUrl = Callable[[str], str]

PER_PAGE = 20
PARENT_FACETS = 50       # parent bodies listed in the facets (the largest first)
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
BATCH = 500
EXPORT_FORMAT = 1          # bump when the downloads change shape (it is part of their ETag)
# A Last-Modified date has one-second resolution: a date whose second has not yet passed (or whose
# transaction may not have committed yet) could hide a later change in the same second from a client
# revalidating with If-Modified-Since alone, so it is not sent until it has settled (RFC 7232 §2.2.2).
SETTLE = timedelta(seconds=2)
EXPORT_DIR = "opendata"          # finished downloads, under the data directory
KEEP_FILES = 4
STALE_TMP = timedelta(hours=1)
REGION_PATTERN = re.compile(r"^[0-9]{6}$")
REGION_MESSAGE = "行政区划代码应为 6 位数字（如 330100）。"
NOT_PUBLIC = "未找到该单位的公开信息：该单位不存在、尚未公开或已撤回。"


# ---------------------------------------------------------------- validators (messages in Chinese)

def region_error(value: str) -> str | None:
    """None when ``value`` is shaped like a GB/T 2260 code (an unknown one simply matches nothing)."""
    return None if REGION_PATTERN.fullmatch(value or "") else REGION_MESSAGE


def code_error(value: str) -> str | None:
    """None when ``value`` is a well-formed 统一社会信用代码 with the right check character."""
    return creditcode.validation_error(value)


# ---------------------------------------------------------------- one unit as the public sees it

def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def public_fields(snapshot: dict) -> dict:
    """The snapshot's public fields (a redacted snapshot in, the listed keys out, in screen order)."""
    return {key: snapshot[key] for key in services.SNAPSHOT_FIELDS if key in snapshot}


def unit_document(publication: Publication, unit: Unit, unit_url: UnitUrl) -> dict:
    """A published unit: its public fields, version, publication time and API address (detail, JSON download)."""
    return {
        **public_fields(public_snapshot(publication, unit)),
        "version": publication.version,
        "published_at": _iso(publication.published_at),
        "url": unit_url(unit.code),
    }


def list_item(publication: Publication, unit: Unit, unit_url: UnitUrl) -> dict:
    snap = public_snapshot(publication, unit)
    return {
        "code": snap["code"], "name": snap["name"], "short_name": snap.get("short_name") or "",
        "kind": snap.get("kind"), "level": snap.get("level"), "region": snap.get("region"),
        "parent": snap.get("parent"), "published_at": _iso(publication.published_at), "url": unit_url(unit.code),
    }


def _rows_by_code(codes: Collection[str]) -> dict[str, tuple[Publication, Unit]]:
    """The public (publication, unit) of each of ``codes`` (≤ a page) in one query, parents loaded with it."""
    if not codes:
        return {}
    rows = db.session.execute(
        public_publications().where(code_in(list(codes))).options(selectinload(Unit.parent))
    ).all()
    return {unit.code: (publication, unit) for publication, unit in rows}


def unit_record(code: str, unit_url: UnitUrl) -> tuple[dict, datetime | None]:
    """``(record, last modified)`` of the unit public under ``code``; ``NotFound`` otherwise, the same
    answer whether it does not exist, is unpublished, withdrawn, abolished or classified. A code that
    cannot exist (wrong length, characters or check character) is ``NotFound`` too, saying what is wrong."""
    error = code_error(code)
    if error:
        not_found = NotFound(f"{error}该地址不对应任何单位。")
        not_found.fields = {"code": error}
        raise not_found
    row = _rows_by_code([creditcode.normalise(code)])
    if not row:
        raise NotFound(NOT_PUBLIC)
    [(publication, unit)] = row.values()
    record = unit_document(publication, unit, unit_url)
    record["history"] = [
        {"version": v.version, "published_at": _iso(v.published_at), "snapshot": public_fields(v.snapshot)}
        for v in services.history(unit)
    ]
    return record, publication.published_at


# ---------------------------------------------------------------- the list (a public search)

def _facets(raw: dict[str, list[tuple[str, int]]]) -> dict[str, list[dict]]:
    def coded(enum_cls, pairs):
        known = set(enum_cls.codes())
        return [{"code": c, "label": enum_cls(c).label, "count": n} for c, n in pairs if c in known]

    # a parent is named only when it is public itself, by its own public name (never from the index); the
    # largest PARENT_FACETS only (a broad query at 100,000 units has thousands of parents)
    parent_counts = raw.get("parent_code", [])[:PARENT_FACETS]
    parents = public_names([c for c, _ in parent_counts])
    return {
        "kind": coded(UnitKind, raw.get("kind", [])),
        "level": coded(Level, raw.get("level", [])),
        "region": [{"code": c, "name": regions.full_name(c), "count": n} for c, n in raw.get("region_code", [])],
        "parent": [{"code": c, "name": parents[c], "count": n} for c, n in parent_counts if c in parents],
    }


def unit_list(unit_url: UnitUrl, *, q: str | None = None, kind: str | None = None, level: str | None = None,
              region: str | None = None, parent: str | None = None, sort: str = "relevance", page: int = 1,
              per_page: int = PER_PAGE) -> dict:
    """One page of published units matching the public's query and filters (already validated), with the
    total, facets over every match and, when nothing matched, suggestions."""
    result = search_units(q, kind=kind, level=level, region=region, parent=parent, sort=sort, page=page,
                          per_page=per_page)
    codes = [hit.code for hit in result.hits]
    rows = _rows_by_code(codes)
    items = [list_item(*rows[code], unit_url) for code in codes if code in rows]
    return {
        "items": items, "total": result.total, "page": page, "per_page": per_page,
        "facets": _facets(result.facets), "suggestions": list(result.suggestions),
    }


# ---------------------------------------------------------------- downloads of every published unit

def public_rows(batch: int | None = None) -> Iterator[tuple[Publication, Unit]]:
    """Every public (publication, unit) by code, ``batch`` rows at a time with their parents.

    The ordered publication ids come first (a narrow sort: sorting the full rows, snapshots and all, would
    hold the first byte back for seconds at 100,000 units), then each batch is read by id, still filtered
    by what is public now. Rows already handed out are not kept: the session holds them weakly."""
    batch = batch or BATCH
    ids = db.session.execute(
        public_publications().with_only_columns(Publication.id).order_by(Unit.code)
    ).scalars().all()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        rows = db.session.execute(
            public_publications().where(Publication.id.in_(chunk)).options(selectinload(Unit.parent))
        ).all()
        place = {publication_id: index for index, publication_id in enumerate(chunk)}
        rows.sort(key=lambda row: place[row[0].id])
        yield from rows
        del rows


def _label(value: dict | None) -> str:
    return (value or {}).get("label") or ""


def _counts(rows: list[dict] | None, key: str, code: str, figure: str):
    for row in rows or []:
        if (row.get(key) or {}).get("code") == code:
            return row.get(figure, "")
    return ""


def _bool(value) -> str:
    return "" if value is None else ("是" if value else "否")


def csv_columns(with_actual: bool) -> list[tuple[str, Callable[[dict], object]]]:
    """(Chinese header, value of a unit document) for every column; the actual figures only when published."""
    columns: list[tuple[str, Callable[[dict], object]]] = [
        ("统一社会信用代码", lambda d: d["code"]),
        ("单位名称", lambda d: d["name"]),
        ("简称", lambda d: d.get("short_name") or ""),
        ("机构类型", lambda d: _label(d.get("kind"))),
        ("事业单位类别", lambda d: _label(d.get("category"))),
        ("机构规格", lambda d: _label(d.get("level"))),
        ("经费形式", lambda d: _label(d.get("funding"))),
        ("参照公务员法管理", lambda d: _bool(d.get("is_civil_service_managed"))),
        ("行政区划代码", lambda d: (d.get("region") or {}).get("code", "")),
        ("行政区划", lambda d: (d.get("region") or {}).get("name", "")),
        ("主管部门代码", lambda d: (d.get("parent") or {}).get("code", "")),
        ("主管部门", lambda d: (d.get("parent") or {}).get("name", "")),
        ("成立日期", lambda d: d.get("established_on") or ""),
        ("其他名称（加挂牌子、曾用名）",
         lambda d: "；".join(f"{_label(n.get('kind'))}：{n['name']}" for n in d.get("other_names") or [])),
        ("主要职责", lambda d: d.get("functions_md") or ""),
        ("内设机构", lambda d: "；".join(dep["name"] for dep in d.get("departments") or [])),
    ]
    figures = [("approved", "核定")] + ([("actual", "实有")] if with_actual else [])
    for category in QuotaCategory:
        for figure, word in figures:
            columns.append((f"{category.raw_label}（{word}）",
                            lambda d, c=category.value, f=figure: _counts(d.get("quotas"), "category", c, f)))
    columns.append(("核定编制合计", lambda d: d.get("approved_total", "")))
    if with_actual:
        columns.append(("实有人数合计", lambda d: d.get("actual_total", "")))
    for rank in PostRank:
        for figure, word in figures:
            columns.append((f"{rank.raw_label}领导职数（{word}）",
                            lambda d, r=rank.value, f=figure: _counts(d.get("posts"), "rank", r, f)))
    columns += [
        ("设立文件", lambda d: "；".join(f"{doc['doc_number']}《{doc['title']}》（{doc['issued_on']}）"
                                       for doc in d.get("documents") or [])),
        ("公开版本", lambda d: d["version"]),
        ("公开时间（北京时间）", lambda d: _beijing(d.get("published_at"))),
        ("详情链接", lambda d: d["url"]),
    ]
    return columns


def _beijing(iso: str | None) -> str:
    return to_beijing(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M:%S") if iso else ""


def csv_chunks(unit_url: UnitUrl, batch: int | None = None) -> Iterator[bytes]:
    """The CSV download: UTF-8 with a BOM (so Excel reads it as UTF-8), Chinese headers, one row per unit."""
    batch = batch or BATCH
    columns = csv_columns(bool(current_app.config["DISCLOSURE_SHOW_ACTUAL"]))
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow([header for header, _ in columns])
    for count, (publication, unit) in enumerate(public_rows(batch), start=1):
        document = unit_document(publication, unit, unit_url)
        writer.writerow([csv_cell(value(document)) for _, value in columns])
        if count % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def json_chunks(unit_url: UnitUrl, batch: int | None = None) -> Iterator[bytes]:
    """The JSON download: an array of unit documents (the detail's fields without the history)."""
    batch = batch or BATCH
    parts = ["["]
    for count, (publication, unit) in enumerate(public_rows(batch), start=1):
        parts.append(("\n" if count == 1 else ",\n")
                     + json.dumps(unit_document(publication, unit, unit_url), ensure_ascii=False))
        if count % batch == 0:
            yield "".join(parts).encode("utf-8")
            parts = []
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")


# ---------------------------------------------------------------- finished downloads, kept on disk

def export_path(suffix: str, fingerprint: str) -> Path:
    """Where the finished download with this fingerprint is kept (under the data directory)."""
    return Path(current_app.config["DATA_DIR"]) / EXPORT_DIR / f"units-{fingerprint}.{suffix}"


def kept(chunks: Iterator[bytes], path: Path) -> Iterator[bytes]:
    """``chunks`` passed on as they come, and written to ``path`` once complete (a temporary file, renamed),
    so the next download of the same data is a plain file instead of a minute of work (100,000 units). A download broken
    off, or a disk that cannot take it, leaves no file behind, and the client still gets its data."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        out = tmp.open("wb")
    except OSError:
        log.warning("Open data download cannot be kept at %s: streaming it without keeping it", path, exc_info=True)
        out = None
    try:
        for chunk in chunks:
            if out is not None:
                try:
                    out.write(chunk)
                except OSError:
                    log.warning("Open data download cannot be kept at %s", path, exc_info=True)
                    out.close()
                    out = None
                    _remove(tmp)
            yield chunk
        if out is not None:
            out.close()
            try:
                os.replace(tmp, path)
            except OSError:
                log.warning("Open data download cannot be kept at %s", path, exc_info=True)
            else:
                _prune(path)
    finally:
        if out is not None and not out.closed:
            out.close()
        _remove(tmp)


def _prune(latest: Path) -> None:
    """Keep the few newest downloads of each kind (two host names may alternate); drop abandoned temporaries."""
    suffix = latest.suffix
    finished = sorted(latest.parent.glob(f"units-*{suffix}"), key=_mtime, reverse=True)
    old = time.time() - STALE_TMP.total_seconds()
    abandoned = [p for p in latest.parent.glob(f".units-*{suffix}.*.tmp") if _mtime(p) < old]
    for stale in [p for p in finished[KEEP_FILES:] if p != latest] + abandoned:
        _remove(stale)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("Could not remove %s", path, exc_info=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# ---------------------------------------------------------------- freshness

def last_change() -> datetime | None:
    """The latest publication, review or withdrawal of any unit (a withdrawal, a classification's cascade
    and an abolition all stamp one), in UTC."""
    # two scalar subqueries: each max() is then one look-up in its column's index (one SELECT of both
    # maxima scans the table)
    reviewed, withdrawn = db.session.execute(select(
        select(func.max(Publication.reviewed_at)).scalar_subquery(),
        select(func.max(Publication.withdrawn_at)).scalar_subquery(),
    )).one()
    return max((as_utc(v) for v in (reviewed, withdrawn) if v is not None), default=None)


def export_fingerprint(kind: str, url_base: str) -> str:
    """A strong validator of a download without building it: which publications are public (count, sum
    and max of ids), the latest change of any publication and of any public unit, the settings and the
    address the download's links are built on. Any withdrawal, publication or cascade changes it."""
    count, id_sum, id_max, unit_changed = db.session.execute(
        public_publications().with_only_columns(
            func.count(Publication.id), func.sum(Publication.id), func.max(Publication.id), func.max(Unit.updated_at)
        )
    ).one()
    parts = [EXPORT_FORMAT, kind, count, id_sum, id_max, _iso(unit_changed), _iso(last_change()),
             bool(current_app.config["DISCLOSURE_SHOW_ACTUAL"]), url_base]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def http_last_modified(changed: datetime | None, now: datetime | None = None) -> datetime | None:
    """``changed`` once it has settled (see ``SETTLE``), else None (the ETag alone then validates)."""
    if changed is None:
        return None
    changed = as_utc(changed)
    return changed if (now or utcnow()) - changed >= SETTLE else None
