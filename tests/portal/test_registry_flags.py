"""The register's flag hook (portal.registry.flags): features register providers, the register's internal
pages ask once per page. Tested with a stand-in provider: the core knows no feature package."""
from __future__ import annotations

import pytest

from portal.registry import flags
from portal.registry.flags import Flag, flags_for, register_flag_provider


@pytest.fixture()
def providers(app, monkeypatch):
    """A fresh provider list for this test (the app is shared between tests)."""
    fresh: list = []
    monkeypatch.setitem(app.extensions, flags.EXTENSION_KEY, fresh)
    return fresh


def test_providers_answer_for_all_ids_at_once(app, providers):
    calls = []

    def first(ids):
        calls.append(list(ids))
        return {ids[0]: Flag("整改未完成", "暂停受理机构编制事项"), 999: Flag("不该出现")}

    def second(ids):
        return {ids[0]: [Flag("其他提示", level="warning")], ids[1]: []}

    register_flag_provider(first, app)
    register_flag_provider(first, app)  # twice: still once
    register_flag_provider(second, app)
    with app.app_context():
        found = flags_for([3, 2, 3, None])
    assert calls == [[2, 3]]  # one call, sorted distinct ids
    assert found == {2: [Flag("整改未完成", "暂停受理机构编制事项"), Flag("其他提示", level="warning")]}
    with app.app_context():
        assert flags_for([]) == {}
    assert calls == [[2, 3]]  # no ids: no provider asked


def test_no_providers_no_flags(app, providers):
    with app.app_context():
        assert flags_for([1, 2]) == {}


def test_internal_pages_show_flags(app, providers, client, make_unit, make_user, login):
    unit = make_unit("杭州市旗标测试局")
    other = make_unit("杭州市无旗标局")
    register_flag_provider(lambda ids: {unit.id: Flag("测试旗标", "旗标说明文字")}, app)
    login(make_user("flagviewer"))
    page = client.get(f"/registry/units/{unit.id}").get_data(as_text=True)
    assert "测试旗标" in page and "旗标说明文字" in page
    assert "测试旗标" not in client.get(f"/registry/units/{other.id}").get_data(as_text=True)
    listing = client.get("/registry/units").get_data(as_text=True)
    assert listing.count("测试旗标") == 1


def test_core_does_not_import_features():
    import ast
    import pathlib

    source = pathlib.Path(flags.__file__).read_text(encoding="utf-8")
    imported = {n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in imported if m.split(".")[0] in ("inspection", "disclosure")}
