"""Babel: the Chinese catalog is compiled and loaded, the default locale and time zone are China's,
WTForms' own validator messages come out in Chinese, and a stale catalog is reported at start-up."""
from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import flask_babel
import pytest
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from portal.config import TRANSLATIONS_DIR
from portal.i18n import check_catalogs, stale_catalogs

CATALOG = TRANSLATIONS_DIR / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"


def test_compiled_catalog_is_loaded(app):
    assert CATALOG.exists(), "run `pybabel compile -d translations` first (the README's install does)"
    with app.test_request_context("/"):
        translations = flask_babel.get_translations()
        # flask-babel always returns a Translations object; only a loaded catalog lists its file
        assert [Path(f) for f in translations.files] == [CATALOG]


def test_source_catalog_exists_and_is_chinese():
    po = TRANSLATIONS_DIR / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert "Language: zh_Hans_CN" in text
    assert 'msgid "跳到正文"' in text  # a string from base.html: templates are extracted too


def test_default_locale_and_timezone(app):
    with app.test_request_context("/"):
        assert str(flask_babel.get_locale()) == "zh_Hans_CN"
        assert str(flask_babel.get_timezone()) == "Asia/Shanghai"
        # stored in UTC, shown in Beijing time (UTC+8): 16:30 UTC is half past midnight next day
        shown = flask_babel.format_datetime(datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc), "yyyy-MM-dd HH:mm")
        assert shown == "2026-03-02 00:30"


class _SampleForm(FlaskForm):
    name = StringField("名称", validators=[DataRequired(), Length(max=5)])
    count = IntegerField("数量", validators=[NumberRange(min=0)])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "count": "1"}, "name", "该字段是必填字段。"),
        ({"name": "一二三四五六", "count": "1"}, "name", "字段长度不能超过 5 个字符。"),
        ({"name": "局", "count": "-1"}, "count", "数值必须大于 0。"),
        ({"name": "局", "count": "abc"}, "count", "不是有效的整数。"),
    ],
)
def test_wtforms_messages_are_chinese(app, data, field, message):
    """zh_Hans_CN finds WTForms' bundled ``zh`` catalog (gettext falls back from zh_Hans_CN to zh)."""
    with app.test_request_context("/", method="POST", data=data):
        form = _SampleForm(meta={"csrf": False})
        assert not form.validate()
        assert message in form.errors[field]


def test_wtforms_translations_follow_the_flask_babel_locale(app):
    from flask_wtf.i18n import translations

    with app.test_request_context("/"):
        assert translations.gettext("This field is required.") == "该字段是必填字段。"


def _catalog(root: Path, language: str, po_mtime: int, mo_mtime: int | None) -> Path:
    """A .po (and, unless ``mo_mtime`` is None, its .mo) with the given modification times."""
    folder = root / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    po.write_text("", encoding="utf-8")
    os.utime(po, (po_mtime, po_mtime))
    if mo_mtime is not None:
        (folder / "messages.mo").write_bytes(b"")
        os.utime(folder / "messages.mo", (mo_mtime, mo_mtime))
    return po


def test_stale_and_missing_catalogs_are_found(tmp_path):
    _catalog(tmp_path, "zh_Hans_CN", po_mtime=1_000_000, mo_mtime=2_000_000)  # compiled after the edit
    stale = _catalog(tmp_path, "en", po_mtime=3_000_000, mo_mtime=2_000_000)  # edited after compiling
    missing = _catalog(tmp_path, "zh_TW", po_mtime=1_000_000, mo_mtime=None)
    assert stale_catalogs(tmp_path) == [stale, missing]


def test_create_app_warns_about_an_uncompiled_catalog(app, tmp_path, caplog):
    po = _catalog(tmp_path, "zh_Hans_CN", po_mtime=1_000_000, mo_mtime=None)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path)
    with caplog.at_level(logging.WARNING, logger="portal.i18n"):
        assert check_catalogs(app) == [po]
    assert "pybabel compile -d translations" in caplog.text


def test_the_repository_catalog_is_compiled_and_current(app):
    assert check_catalogs(app) == []
