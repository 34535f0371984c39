"""Message catalogs: the UI language is Simplified Chinese (msgids are Chinese).

Catalogs are compiled by ``pybabel compile -d translations`` (the README's install and CI do it);
the compiled ``.mo`` files are not in git. ``create_app`` never compiles at run time: it only warns
when a catalog is missing or older than its ``.po`` source, so a forgotten compile is visible in the log.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

log = logging.getLogger(__name__)


def stale_catalogs(directory: str | Path, domain: str = "messages") -> list[Path]:
    """``.po`` files under ``directory`` whose ``.mo`` is missing or older than the ``.po``."""
    stale = []
    for po in sorted(Path(directory).glob(f"*/LC_MESSAGES/{domain}.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po)
    return stale


def check_catalogs(app: Flask) -> list[Path]:
    """Log a warning for every catalog that needs ``pybabel compile``; returns them."""
    stale: list[Path] = []
    for directory in str(app.config.get("BABEL_TRANSLATION_DIRECTORIES", "")).split(";"):
        if directory:
            stale.extend(stale_catalogs(directory, app.config.get("BABEL_DOMAIN", "messages")))
    for po in stale:
        log.warning(
            "message catalog %s is not compiled or is older than its source; "
            "run `pybabel compile -d translations` (the UI falls back to the untranslated strings)",
            po,
        )
    return stale
