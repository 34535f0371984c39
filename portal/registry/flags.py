"""Flags on units in the internal register (e.g. 整改未完成 · 暂停受理机构编制事项), from outside the core.

The core never imports a feature package (DESIGN §3): a feature that knows something about units —
``inspection`` knows which have unfinished rectification — registers a *provider* in its ``init_app``;
the register's internal pages ask :func:`flags_for` once per page for all the units they show.

A provider is a callable ``provider(unit_ids: list[int]) -> {unit_id: Flag | list[Flag]}`` that answers
for all the ids at once (one query, not one per unit). Flags are derived on every call, never stored,
and shown only on internal pages: public pages, the open-data API and search never ask for them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, current_app

EXTENSION_KEY = "registry.flag_providers"

LEVELS = ("danger", "warning", "info")


@dataclass(frozen=True)
class Flag:
    label: str            # short text for a badge: "整改未完成"
    detail: str = ""      # a sentence for the unit's page: why, and what follows from it
    level: str = "danger"  # danger | warning | info (the badge's colour)


Provider = Callable[[list[int]], dict]


def register_flag_provider(fn: Provider, app: Flask | None = None) -> None:
    """Add ``fn`` to the app's flag providers (once: registering the same function twice is a no-op)."""
    app = app or current_app
    providers = app.extensions.setdefault(EXTENSION_KEY, [])
    if fn not in providers:
        providers.append(fn)


def flags_for(unit_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """``{unit_id: [Flag, …]}`` for the units that carry a flag (units without one are left out)."""
    ids = sorted({int(i) for i in unit_ids if i is not None})
    if not ids:
        return {}
    wanted = set(ids)
    out: dict[int, list[Flag]] = {}
    for provider in current_app.extensions.get(EXTENSION_KEY, ()):
        for unit_id, found in (provider(ids) or {}).items():
            if unit_id not in wanted or not found:
                continue
            out.setdefault(unit_id, []).extend(found if isinstance(found, (list, tuple)) else [found])
    return out


__all__ = ["Flag", "LEVELS", "flags_for", "register_flag_provider"]
