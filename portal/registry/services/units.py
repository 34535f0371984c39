"""Unit actions: create, update, rename, merge, abolish, 沿革 events (departments and documents are
in ``departments`` and ``documents``).

``actor`` is the signed-in user, or ``None`` for an administrator's command-line operation (imports),
which is not bound to one office. Every action validates everything first and raises one
``InvalidInput`` with all field messages, so nothing is half-saved; then it changes state, writes
the audit event and flushes. The caller commits.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts import permissions
from portal.audit import services as audit
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.registry import creditcode, regions
from portal.registry.jurisdiction import office_for_region
from portal.registry.models import (
    CLASSIFIABLE_FIELDS,
    EstablishmentDocument,
    Funding,
    LeadershipPost,
    Level,
    PostRank,
    QuotaCategory,
    StaffingQuota,
    Unit,
    UnitCategory,
    UnitEvent,
    UnitEventKind,
    UnitKind,
    UnitName,
    UnitNameKind,
    UnitStatus,
)
from portal.registry.services import validation as v
from portal.registry.services.common import count_pairs, require_edit
from portal.signals import unit_changed

SCALAR_FIELDS = (
    "code", "name", "short_name", "kind", "category", "is_civil_service_managed", "funding", "level",
    "parent_id", "region_code", "functions_md", "is_classified", "classified_fields", "established_on",
)


# ---------------------------------------------------------------- snapshots (audit, API)

def unit_snapshot(unit: Unit) -> dict:
    """Everything an edit can change, as JSON-ready values (audit before/after)."""
    return {
        **{name: getattr(unit, name) for name in SCALAR_FIELDS},
        "office_id": unit.office_id,
        "status": unit.status,
        "quotas": {q.category: [q.approved, q.actual] for q in unit.quotas},
        "posts": {p.rank: [p.approved, p.actual] for p in unit.posts},
        "other_names": sorted([n.kind, n.name] for n in unit.other_names),
    }


# ---------------------------------------------------------------- validation

def _actor_label(actor) -> dict:
    return {} if actor is None else {"actor": actor}


def _find_parent(actor, data: dict, errors: v.Errors, unit: Unit | None) -> Unit | None:
    parent = None
    if data.get("parent_id") not in (None, ""):
        try:
            parent_id = int(data["parent_id"])
        except (TypeError, ValueError):
            errors.add("parent_id", "主管部门无效。")
            return None
        parent = db.session.get(Unit, parent_id)
        field = "parent_id"
    elif data.get("parent_code") not in (None, ""):
        code = creditcode.normalise(str(data["parent_code"]))
        parent = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
        field = "parent_code"
    else:
        return None
    if parent is None or (actor is not None and not permissions.can(actor, "unit.view", parent)):
        errors.add(field, "找不到该主管部门，或它不在您的管辖范围内。")
        return None
    if unit is not None and unit.id is not None:
        node, seen = parent, set()
        while node is not None and node.id not in seen:
            if node.id == unit.id:
                errors.add(field, "主管部门不能是本单位或其下属单位（会形成循环）。")
                return None
            seen.add(node.id)
            node = node.parent
    if parent.status != UnitStatus.ACTIVE.value:
        errors.add(field, "主管部门已撤销，不能作为主管部门。")
        return None
    return parent


def validate_unit_data(actor, data: dict, unit: Unit | None = None) -> dict:
    """Check a whole unit record; return cleaned values or raise ``InvalidInput`` with every problem."""
    errors = v.Errors()
    clean: dict = {}

    code = creditcode.normalise(str(data.get("code") or ""))
    if not code:
        errors.add("code", "请填写统一社会信用代码。")
    elif (message := creditcode.validation_error(code)) is not None:
        errors.add("code", message)
    else:
        clash = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
        if clash is not None and (unit is None or clash.id != unit.id):
            errors.add("code", f"统一社会信用代码 {code} 已被“{clash.name}”使用。")
    clean["code"] = code

    clean["name"] = v.text(data, "name", errors, "单位名称", required=True)
    clean["short_name"] = v.text(data, "short_name", errors, "简称", max_len=50)
    clean["kind"] = v.enum(data, "kind", errors, "机构类型", UnitKind, required=True)
    clean["category"] = v.enum(data, "category", errors, "事业单位类别", UnitCategory)
    if clean["category"] and clean["kind"] and clean["kind"] != UnitKind.INSTITUTION.value:
        errors.add("category", "只有事业单位才有分类（公益一类/公益二类/生产经营类）。")
    clean["is_civil_service_managed"] = v.boolean(data, "is_civil_service_managed", errors, "参照公务员法管理")
    clean["funding"] = v.enum(data, "funding", errors, "经费形式", Funding)
    clean["level"] = v.enum(data, "level", errors, "机构规格", Level)
    clean["functions_md"] = str(data.get("functions_md") or "").strip()
    if len(clean["functions_md"]) > 50_000:
        errors.add("functions_md", "主要职责过长（不超过 50000 字）。")
    clean["is_classified"] = v.boolean(data, "is_classified", errors, "涉密")
    fields = data.get("classified_fields") or []
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.replace("，", ",").split(",") if f.strip()]
    if not isinstance(fields, (list, tuple)):
        errors.add("classified_fields", "涉密字段应为字段名列表。")
        fields = []
    fields = [str(f) for f in fields]
    unknown = [f for f in fields if f not in CLASSIFIABLE_FIELDS]
    if unknown:
        errors.add("classified_fields", f"未知的涉密字段：{'、'.join(unknown)}。")
    clean["classified_fields"] = sorted(f for f in set(fields) if f in CLASSIFIABLE_FIELDS)
    clean["established_on"] = v.a_date(data, "established_on", errors, "设立日期")

    region = str(data.get("region_code") or data.get("region") or "").strip()
    clean["region_code"] = region
    office = None
    if not region:
        errors.add("region_code", "请填写行政区划代码。")
    elif not (len(region) == 6 and region.isdigit()) or not regions.is_valid(region):
        errors.add("region_code", f"行政区划代码“{region}”无效（应为 GB/T 2260 的 6 位代码）。")
    else:
        office = office_for_region(region)
        if office is None:
            errors.add("region_code", f"“{regions.full_name(region)}”不在本系统任何编办的管辖范围内。")
        elif actor is not None and office.id != actor.office_id:
            errors.add(
                "region_code",
                f"“{regions.full_name(region)}”的单位由{office.name}管理，您所在编办不能录入或改到该地区。",
            )
    clean["office"] = office

    parent = _find_parent(actor, data, errors, unit)
    clean["parent"] = parent

    clean["quotas"] = count_pairs(data.get("quotas"), QuotaCategory, "quotas", "编制", errors)
    clean["posts"] = count_pairs(data.get("posts"), PostRank, "posts", "领导职数", errors)

    names = []
    raw_names = data.get("other_names") or []
    if not isinstance(raw_names, (list, tuple)):
        errors.add("other_names", "其他名称应为列表（每项含 kind 和 name）。")
        raw_names = []
    for index, item in enumerate(raw_names):
        kind = item.get("kind") if isinstance(item, dict) else None
        name = str((item.get("name") if isinstance(item, dict) else "") or "")
        try:
            kind = UnitNameKind.from_label(str(kind)).value
        except ValueError:
            errors.add(f"other_names.{index}", "其他名称的类型应为“加挂牌子”或“曾用名”。")
            continue
        if name.strip():
            names.append((kind, name.strip()[:100]))
    clean["other_names"] = sorted(set(names))

    if errors:
        raise InvalidInput(dict(errors))
    return clean


# ---------------------------------------------------------------- create / update

def _apply(unit: Unit, clean: dict) -> None:
    for name in ("code", "name", "short_name", "kind", "category", "is_civil_service_managed", "funding",
                 "level", "region_code", "functions_md", "is_classified", "classified_fields", "established_on"):
        setattr(unit, name, clean[name])
    unit.functions_md = clean["functions_md"] or ""
    unit.office_id = clean["office"].id
    unit.parent = clean["parent"]
    existing_quotas = {q.category: q for q in unit.quotas}
    for category, (approved, actual) in clean["quotas"].items():
        quota = existing_quotas.get(category)
        if quota is None:
            unit.quotas.append(StaffingQuota(category=category, approved=approved, actual=actual))
        else:
            quota.approved, quota.actual = approved, actual
    existing_posts = {p.rank: p for p in unit.posts}
    for rank, (approved, actual) in clean["posts"].items():
        post = existing_posts.get(rank)
        if post is None:
            unit.posts.append(LeadershipPost(rank=rank, approved=approved, actual=actual))
        else:
            post.approved, post.actual = approved, actual
    wanted = set(clean["other_names"])
    for other in list(unit.other_names):
        if (other.kind, other.name) not in wanted:
            unit.other_names.remove(other)
    have = {(n.kind, n.name) for n in unit.other_names}
    for kind, name in clean["other_names"]:
        if (kind, name) not in have:
            unit.other_names.append(UnitName(kind=kind, name=name))


def _check_can_create(actor) -> None:
    if actor is not None and not permissions.can(actor, "unit.create"):
        raise PermissionDenied("您没有维护机构编制台账的权限。")


def create_unit(actor, data: dict, *, actor_name: str | None = None) -> Unit:
    _check_can_create(actor)
    clean = validate_unit_data(actor, data)
    unit = Unit(status=UnitStatus.ACTIVE.value)
    _apply(unit, clean)
    db.session.add(unit)
    db.session.flush()
    if clean["established_on"]:
        db.session.add(UnitEvent(unit=unit, kind=UnitEventKind.ESTABLISHED.value, occurred_on=clean["established_on"],
                                 summary=f"设立{unit.name}", created_by_id=getattr(actor, "id", None)))
    audit.record("unit.create", "unit", unit.id, changes=audit.diff({}, unit_snapshot(unit)),
                 actor_name=actor_name, **_actor_label(actor))
    return unit


def update_unit(actor, unit: Unit, data: dict, *, change: dict | None = None, actor_name: str | None = None) -> dict:
    """Apply a full record; with ``change`` ({occurred_on, summary, document_id}) quota/function edits
    also become 沿革 events. Returns the audit diff (empty when nothing changed)."""
    if actor is not None and not permissions.can(actor, "unit.edit", unit):
        raise PermissionDenied("该单位由其他编办管理，您只能查看。")
    if unit.status != UnitStatus.ACTIVE.value:
        raise InvalidInput({"_": "已撤销的单位不能再修改。"})
    clean = validate_unit_data(actor, {**data, "region_code": data.get("region_code", unit.region_code)}, unit)
    if clean["name"] != unit.name:
        raise InvalidInput({"name": "更名请使用“更名”操作，以便记入沿革。"})
    before = unit_snapshot(unit)
    _apply(unit, clean)
    db.session.flush()
    after = unit_snapshot(unit)
    changes = audit.diff(before, after)
    if not changes:
        return {}
    if change:
        occurred_on = _event_date(change)
        document = _document_for(unit, change.get("document_id"))
        if "functions_md" in changes:
            _event(actor, unit, UnitEventKind.FUNCTIONS_CHANGED, occurred_on, change.get("summary") or "调整主要职责",
                   document)
        if "quotas" in changes or "posts" in changes:
            _event(actor, unit, UnitEventKind.QUOTAS_CHANGED, occurred_on, change.get("summary") or "调整编制或领导职数",
                   document)
    audit.record("unit.update", "unit", unit.id, changes=changes, actor_name=actor_name, **_actor_label(actor))
    unit_changed.send(unit, changes=changes, actor=actor)
    return changes


def _event_date(change: dict) -> date:
    errors = v.Errors()
    occurred_on = v.a_date(change, "occurred_on", errors, "变更日期", required=True)
    if errors:
        raise InvalidInput(dict(errors))
    return occurred_on


def _document_for(unit: Unit, document_id) -> EstablishmentDocument | None:
    if document_id in (None, ""):
        return None
    try:
        document = db.session.get(EstablishmentDocument, int(document_id))
    except (TypeError, ValueError):
        document = None
    if document is None or document.unit_id != unit.id:
        raise InvalidInput({"document_id": "所选文件不属于该单位。"})
    return document


def _event(actor, unit, kind: UnitEventKind, occurred_on: date, summary: str, document=None, related=None):
    event = UnitEvent(unit=unit, kind=kind.value, occurred_on=occurred_on, summary=summary, document=document,
                      related_unit=related, created_by_id=getattr(actor, "id", None))
    db.session.add(event)
    db.session.flush()
    return event


# ---------------------------------------------------------------- 沿革 actions

def record_event(actor, unit: Unit, data: dict) -> UnitEvent:
    """Record a dated 沿革 event by hand (e.g. a historical one), with its document."""
    require_edit(actor, unit)
    errors = v.Errors()
    kind = v.enum(data, "kind", errors, "事件类型", UnitEventKind, required=True)
    occurred_on = v.a_date(data, "occurred_on", errors, "日期", required=True)
    summary = v.text(data, "summary", errors, "说明", max_len=2000) or ""
    if errors:
        raise InvalidInput(dict(errors))
    event = _event(actor, unit, UnitEventKind(kind), occurred_on, summary, _document_for(unit, data.get("document_id")))
    audit.record("unit.event", "unit", unit.id, details={"event_id": event.id, "kind": kind, "occurred_on": occurred_on})
    return event


def rename_unit(actor, unit: Unit, data: dict) -> UnitEvent:
    """更名: the old name becomes a 曾用名 and the event carries the document."""
    require_edit(actor, unit)
    errors = v.Errors()
    new_name = v.text(data, "new_name", errors, "新名称", required=True)
    occurred_on = v.a_date(data, "occurred_on", errors, "更名日期", required=True)
    if new_name and new_name == unit.name:
        errors.add("new_name", "新名称与现名称相同。")
    if errors:
        raise InvalidInput(dict(errors))
    document = _document_for(unit, data.get("document_id"))
    old_name = unit.name
    unit.name = new_name
    if (UnitNameKind.FORMER.value, old_name) not in {(n.kind, n.name) for n in unit.other_names}:
        unit.other_names.append(UnitName(kind=UnitNameKind.FORMER.value, name=old_name))
    event = _event(actor, unit, UnitEventKind.RENAMED, occurred_on, f"“{old_name}”更名为“{new_name}”", document)
    changes = {"name": [old_name, new_name]}
    audit.record("unit.rename", "unit", unit.id, changes=changes, details={"event_id": event.id})
    unit_changed.send(unit, changes=changes, actor=actor)
    return event


def abolish_unit(actor, unit: Unit, data: dict, *, merged_into: Unit | None = None) -> UnitEvent:
    """撤销: the unit stays in the register with status abolished and a dated event."""
    require_edit(actor, unit)
    errors = v.Errors()
    occurred_on = v.a_date(data, "occurred_on", errors, "撤销日期", required=True)
    reason = v.text(data, "summary", errors, "说明", max_len=2000)
    active_children = [c for c in unit.children if c.status == UnitStatus.ACTIVE.value]
    if active_children:
        errors.add("_", f"该单位仍有 {len(active_children)} 个存续的下属单位，请先调整其主管部门或一并撤销。")
    if errors:
        raise InvalidInput(dict(errors))
    document = _document_for(unit, data.get("document_id"))
    unit.status = UnitStatus.ABOLISHED.value
    unit.abolished_on = occurred_on
    kind = UnitEventKind.MERGED if merged_into is not None else UnitEventKind.ABOLISHED
    summary = reason or (f"并入{merged_into.name}" if merged_into is not None else f"撤销{unit.name}")
    event = _event(actor, unit, kind, occurred_on, summary, document, related=merged_into)
    changes = {"status": [UnitStatus.ACTIVE.value, UnitStatus.ABOLISHED.value]}
    audit.record("unit.merge" if merged_into is not None else "unit.abolish", "unit", unit.id, changes=changes,
                 details={"event_id": event.id, "merged_into": getattr(merged_into, "id", None)})
    unit_changed.send(unit, changes=changes, actor=actor)
    return event


def merge_units(actor, source: Unit, target: Unit, data: dict) -> UnitEvent:
    """合并: ``source`` is merged into ``target``; both get a 沿革 event; source is abolished."""
    if source.id == target.id:
        raise InvalidInput({"target_id": "不能与本单位合并。"})
    require_edit(actor, target)
    event = abolish_unit(actor, source, data, merged_into=target)
    _event(actor, target, UnitEventKind.MERGED, event.occurred_on, f"{source.name}并入本单位", None, related=source)
    return event
