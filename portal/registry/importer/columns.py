"""The column table of the unit import: English keys, Chinese headers and aliases (``COLUMNS``), how
a header cell maps to a column, and how a parsed row becomes the data the unit services take
(``row_to_data``), with the way back from a service field to the column that holds it."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from portal.registry import creditcode
from portal.registry.models import CLASSIFIABLE_FIELDS, PostRank, QuotaCategory, Unit, UnitNameKind


@dataclass(frozen=True)
class Column:
    key: str          # the English header, and the key in a parsed row
    header: str       # the Chinese header
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("code", "统一社会信用代码", ("信用代码",)),
    Column("name", "单位名称", ("名称", "机构名称")),
    Column("short_name", "简称"),
    Column("kind", "机构类型", ("单位类型",)),
    Column("category", "事业单位类别", ("事业单位分类",)),
    Column("civil_service", "参公", ("参照公务员法管理",)),
    Column("funding", "经费形式", ("经费来源",)),
    Column("level", "机构规格", ("规格",)),
    Column("parent_code", "主管部门代码", ("主管部门统一社会信用代码",)),
    Column("region", "行政区划代码", ("region_code", "区划代码")),
    Column("functions", "主要职责"),
    Column("classified", "涉密", ("是否涉密",)),
    Column("classified_fields", "涉密字段"),
    Column("established_on", "设立日期"),
    Column("plaques", "加挂牌子"),
    Column("former_names", "曾用名"),
    *(
        Column(f"{category.value}_{part}", f"{category.raw_label}{part_label}")
        for category in QuotaCategory
        for part, part_label in (("approved", "核定"), ("actual", "实有"))
    ),
    *(
        Column(f"{rank.value}_posts_{part}", f"{rank.raw_label}领导职数{part_label}")
        for rank in PostRank
        for part, part_label in (("approved", "核定"), ("actual", "实有"))
    ),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_COLUMNS = ("code", "name", "kind", "region")

# unit-service field → column (quota, post and other-name fields are mapped by pattern below)
_SERVICE_FIELDS = {
    "code": "code", "name": "name", "short_name": "short_name", "kind": "kind", "category": "category",
    "is_civil_service_managed": "civil_service", "funding": "funding", "level": "level",
    "functions_md": "functions", "is_classified": "classified", "classified_fields": "classified_fields",
    "established_on": "established_on", "region_code": "region", "parent_code": "parent_code",
    "parent_id": "parent_code",
}
_LIST_SEPARATORS = re.compile(r"[;；\r\n]+")
_FIELD_SEPARATORS = re.compile(r"[,，、;；\s]+")
_CLASSIFIABLE_BY_LABEL = {label: key for key, label in CLASSIFIABLE_FIELDS.items()}


def _normalise_header(text: str) -> str:
    return re.sub(r"[\s\ufeff*＊]+", "", text).lower()


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.header, *_column.aliases):
        _HEADER_LOOKUP[_normalise_header(_name)] = _column.key


def header_key(text: str) -> str | None:
    """The column a header cell names (English or Chinese, ignoring spaces, ``*`` and case), if any."""
    return _HEADER_LOOKUP.get(_normalise_header(text))


def column_label(key: str | None) -> str:
    """The Chinese header of a column (how errors name it)."""
    column = COLUMNS_BY_KEY.get(key or "")
    return column.header if column else (key or "")


_COLUMN_POSITION = {c.key: index for index, c in enumerate(COLUMNS)}


def column_order(key: str | None) -> int:
    """Sort key for errors: the row as a whole first, then the columns in table order."""
    return -1 if key is None else _COLUMN_POSITION.get(key, len(_COLUMN_POSITION))


# ---------------------------------------------------------------- rows → service data

def _split_names(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(text or "") if part.strip()]


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$")


def _date_text(text: str) -> str:
    """``2019/2/28`` (how Chinese Excel writes dates into CSV), ``2019年2月28日`` → ``2019-02-28``;
    anything else is left for the service to judge."""
    match = _DATE.match(text.strip())
    if not match:
        return text
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _classified_fields(text: str) -> list[str]:
    out = []
    for part in _FIELD_SEPARATORS.split(text or ""):
        if part:
            out.append(_CLASSIFIABLE_BY_LABEL.get(part, part))
    return out


def _pairs_from_row(row: dict[str, str], enum_cls, key_of: Callable[[str, str], str]) -> dict[str, dict]:
    """Quota or post columns → {code: {"approved", "actual"}}; a pair with both cells blank is left out
    (on create: no such quota; on update: unchanged)."""
    out = {}
    for member in enum_cls:
        approved, actual = row.get(key_of(member.value, "approved"), ""), row.get(key_of(member.value, "actual"), "")
        if approved != "" or actual != "":
            out[member.value] = {"approved": approved, "actual": actual}
    return out


def _quota_key(category: str, part: str) -> str:
    return f"{category}_{part}"


def _post_key(rank: str, part: str) -> str:
    return f"{rank}_posts_{part}"


def _existing_values(unit: Unit) -> dict:
    """The unit's current record in service form (columns missing from the file keep these)."""
    return {
        "name": unit.name, "short_name": unit.short_name, "kind": unit.kind, "category": unit.category,
        "is_civil_service_managed": unit.is_civil_service_managed, "funding": unit.funding, "level": unit.level,
        "parent_id": unit.parent_id, "region_code": unit.region_code, "functions_md": unit.functions_md,
        "is_classified": unit.is_classified, "classified_fields": list(unit.classified_fields or []),
        "established_on": unit.established_on,
    }


_SIMPLE = {
    "name": "name", "short_name": "short_name", "kind": "kind", "category": "category",
    "civil_service": "is_civil_service_managed", "funding": "funding", "level": "level", "region": "region_code",
    "functions": "functions_md", "classified": "is_classified", "established_on": "established_on",
}


def row_to_data(row: dict[str, str], existing: Unit | None = None) -> tuple[dict, list[str]]:
    """A parsed row → the dict ``create_unit``/``update_unit`` take, and the column of each
    ``other_names`` entry (to name the column in errors). With ``existing``, columns the file does
    not have keep the unit's current values."""
    data: dict = _existing_values(existing) if existing is not None else {}
    data["code"] = creditcode.normalise(row.get("code", ""))
    for column, name in _SIMPLE.items():
        if column in row:
            data[name] = row[column]
    if "established_on" in row:
        data["established_on"] = _date_text(row["established_on"])
    if "classified_fields" in row:
        data["classified_fields"] = _classified_fields(row["classified_fields"])
    if "parent_code" in row:
        data.pop("parent_id", None)
        data["parent_code"] = creditcode.normalise(row["parent_code"])
    data["quotas"] = _pairs_from_row(row, QuotaCategory, _quota_key)
    data["posts"] = _pairs_from_row(row, PostRank, _post_key)
    names: list[tuple[str, str, str]] = []  # (kind, name, column)
    for column, kind in (("plaques", UnitNameKind.PLAQUE.value), ("former_names", UnitNameKind.FORMER.value)):
        if column in row:
            names += [(kind, n, column) for n in _split_names(row[column])]
        elif existing is not None:
            names += [(o.kind, o.name, column) for o in existing.other_names if o.kind == kind]
    data["other_names"] = [{"kind": kind, "name": name} for kind, name, _c in names]
    return data, [column for _k, _n, column in names]


def column_for(service_field: str, name_columns: list[str]) -> str | None:
    """The column that holds a unit-service error field (``quotas.x.actual``, ``other_names.2``…)."""
    if service_field in _SERVICE_FIELDS:
        return _SERVICE_FIELDS[service_field]
    parts = service_field.split(".")
    if parts[0] == "quotas" and len(parts) >= 2:
        return _quota_key(parts[1], parts[2] if len(parts) > 2 else "approved")
    if parts[0] == "posts" and len(parts) >= 2:
        return _post_key(parts[1], parts[2] if len(parts) > 2 else "approved")
    if parts[0] == "other_names" and len(parts) == 2 and parts[1].isdigit() and int(parts[1]) < len(name_columns):
        return name_columns[int(parts[1])]
    return None
