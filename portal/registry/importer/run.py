"""Checking and importing parsed rows: ``run_import`` (and ``validate``, a dry run) applies them
through the unit services in the current transaction — parents before their children, duplicate
codes and parent cycles within the file, codes already in the register — or rolls back and reports
every error."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.audit import services as audit
from portal.errors import ServiceError
from portal.extensions import db
from portal.registry import creditcode
from portal.registry.importer.columns import column_for, column_order, row_to_data
from portal.registry.importer.results import ImportResult, ParsedFile, Row, RowError
from portal.registry.models import Unit
from portal.registry.services import units as unit_services


@dataclass
class _Item:
    number: int
    row: dict[str, str]
    code: str
    parent_code: str
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


def _units_by_code(codes: set[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    ordered = sorted(c for c in codes if c)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        for unit in db.session.scalars(select(Unit).where(Unit.code.in_(chunk))):
            found[unit.code] = unit
    return found


def _file_checks(items: list[_Item], in_register: dict[str, Unit]) -> tuple[dict[str, _Item], dict[int, int]]:
    """Duplicate codes, unknown parents and parent cycles within the file; returns the first row of
    each code and each row's depth in the file's parent tree (parents sort before children)."""
    first: dict[str, _Item] = {}
    for item in items:
        if not item.code:
            continue
        if item.code in first:
            item.fail("code", f"{item.code} 与第 {first[item.code].number} 行重复。")
        else:
            first[item.code] = item

    def parent_of(item: _Item) -> _Item | None:
        return first.get(item.parent_code) if item.parent_code else None

    for item in items:
        if item.parent_code and item.parent_code not in first and item.parent_code not in in_register:
            item.fail("parent_code", f"找不到代码为 {item.parent_code} 的主管部门：台账和本文件中都没有。")

    in_cycle: set[int] = set()
    done: set[int] = set()
    for start in items:
        path: list[_Item] = []
        position: dict[int, int] = {}
        node = start
        while node is not None and id(node) not in done and id(node) not in position:
            position[id(node)] = len(path)
            path.append(node)
            node = parent_of(node)
        if node is not None and id(node) in position:
            cycle = path[position[id(node)]:]
            if len(cycle) == 1:
                node.fail("parent_code", "主管部门不能是本单位自身。")
            else:
                chain = " → ".join(f"第 {n.number} 行" for n in [*cycle, cycle[0]])
                for member in cycle:
                    member.fail("parent_code", f"主管部门关系在文件内形成循环：{chain}。")
            in_cycle.update(id(n) for n in cycle)
        done.update(id(n) for n in path)

    depth: dict[int, int] = {}

    def depth_of(item: _Item) -> int:
        chain = []
        node = item
        while node is not None and id(node) not in depth:
            chain.append(node)
            parent = parent_of(node) if id(node) not in in_cycle else None
            node = parent if parent is not None and id(parent) not in in_cycle else None
        base = depth[id(node)] if node is not None else -1
        for member in reversed(chain):
            base += 1
            depth[id(member)] = base
        return depth[id(item)]

    for item in items:
        depth_of(item)
    return first, depth


def _collect(item: _Item, exc: ServiceError, name_columns: list[str], skip: set[str | None] = frozenset()) -> None:
    for service_field, message in (exc.fields or {"_": exc.message}).items():
        column = column_for(service_field, name_columns)
        if column not in skip:
            item.fail(column, message)


def _check_only(item: _Item, data: dict, name_columns: list[str], unit: Unit | None, skip: set[str | None]) -> None:
    """Report the row's other problems without applying it."""
    try:
        unit_services.validate_unit_data(None, data, unit)
    except ServiceError as exc:
        _collect(item, exc, name_columns, skip)


def run_import(
    rows: list[Row],
    *,
    update: bool = False,
    actor_name: str | None = None,
    source: ParsedFile | None = None,
    errors: Iterable[RowError] = (),
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check and apply ``rows`` in the current transaction (see the package doc).

    ``errors`` are problems already found while parsing (they make the import fail too);
    ``dry_run`` checks everything and always rolls back. Call it in a fresh transaction: on failure
    (or a dry run) it rolls the session back.
    """
    result = ImportResult(errors=list(errors))
    items = [
        _Item(number, row, creditcode.normalise(row.get("code", "")), creditcode.normalise(row.get("parent_code", "")))
        for number, row in rows
    ]
    in_register = _units_by_code({i.code for i in items} | {i.parent_code for i in items})
    first, depth = _file_checks(items, in_register)
    applied: set[str] = set()  # codes whose row went in (usable as a parent by later rows)

    try:
        for item in sorted(items, key=lambda i: (depth[id(i)], i.number)):
            _import_one(item, first, in_register, applied, update, actor_name, result)
            result.errors.extend(item.errors)
            if progress:
                progress(1)
    except SQLAlchemyError as exc:
        db.session.rollback()
        result.errors.append(RowError(None, None, f"数据库错误，导入已中止：{type(exc).__name__}: {str(exc)[:200]}"))
        result.created = result.updated = result.unchanged = 0
        return result

    result.errors.sort(key=lambda e: (e.row or 0, column_order(e.field)))
    if result.errors or dry_run:
        db.session.rollback()
        if result.errors:
            result.created = result.updated = result.unchanged = 0
        return result
    audit.record(
        "units.import", "unit", None, actor=None, actor_name=actor_name,
        details={
            "file": source.filename if source else None, "sha256": source.sha256 if source else None,
            "rows": len(rows), "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "update": update,
        },
    )
    db.session.flush()
    return result


def validate(rows: list[Row], *, update: bool = False, errors: Iterable[RowError] = ()) -> list[RowError]:
    """Every problem ``run_import`` would report, without importing anything."""
    return run_import(rows, update=update, errors=errors, dry_run=True).errors


def _import_one(item: _Item, first: dict[str, _Item], in_register: dict[str, Unit], applied: set[str],
                update: bool, actor_name: str | None, result: ImportResult) -> None:
    existing = in_register.get(item.code)
    data, name_columns = row_to_data(item.row, existing if update else None)
    parent_row = first.get(item.parent_code)
    if any(e.field == "parent_code" for e in item.errors) or (
        parent_row is not None and item.parent_code not in applied and item.parent_code not in in_register
    ):
        # the parent is unknown or cyclic (reported on this row) or its own row failed (reported there)
        data.pop("parent_code", None)
        data.pop("parent_id", None)
    if existing is not None and not update and first.get(item.code) is item:
        item.fail("code", f"{item.code} 已存在（“{existing.name}”），如需更新请加 --update。")
    elif existing is not None and update and data.get("name") and data["name"] != existing.name:
        item.fail("name", f"与台账中的名称“{existing.name}”不同。导入不能更名：更名是带日期和文件的沿革事件，"
                          f"请在单位页面使用“更名”操作，或在文件中保留原名称。")
    if item.errors:
        # already wrong: report the row's other problems too, but do not apply it
        _check_only(item, data, name_columns, existing, {e.field for e in item.errors} | {"code"})
        return
    try:
        if existing is not None:
            changes = unit_services.update_unit(None, existing, data, actor_name=actor_name)
            if changes:
                result.updated += 1
            else:
                result.unchanged += 1
        else:
            unit_services.create_unit(None, data, actor_name=actor_name)
            result.created += 1
    except ServiceError as exc:
        _collect(item, exc, name_columns)
        return
    applied.add(item.code)
