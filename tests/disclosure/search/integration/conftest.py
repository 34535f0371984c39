"""Search through ``search_units`` over units published in the database, each test against both backends.

The parent directory's ``data_dir`` (a fresh directory per test, for index-only tests) is set back to the
session's here: the app fixtures need it session-wide. Each ``backend`` test gets its own data directory.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")

# ---------------------------------------------------------------- published units in the database, both backends

IS_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres")
NOT_ON_SQLITE = pytest.mark.skipif(
    not IS_POSTGRES, reason="the PostgreSQL search backend needs a PostgreSQL database (set TEST_DATABASE_URL)")
BACKENDS = [pytest.param("whoosh", id="whoosh"), pytest.param("postgres", id="postgres", marks=NOT_ON_SQLITE)]


@pytest.fixture(params=BACKENDS)
def backend(request, app, tmp_path):
    """The app searching with one backend, over its own empty index (a data directory of this test)."""
    app.config["SEARCH_BACKEND"] = request.param
    app.config["DATA_DIR"] = str(tmp_path / "data")
    if request.param == "postgres":
        request.getfixturevalue("empty_search_table")
    return request.param


@pytest.fixture
def empty_search_table(app):
    """The PostgreSQL search table emptied (the per-test clean-up leaves tables outside the models alone)."""
    from portal.extensions import db

    from disclosure.search import pg

    db.session.execute(pg.table.delete())
    db.session.commit()


@pytest.fixture
def publish():
    """``publish(*units)``: publish through the administrator's path and commit once."""
    from portal.extensions import db

    from disclosure import services

    def do(*units):
        for unit in units:
            services.publish_now(None, unit, "经保密审查，同意公开。", actor_name="测试管理员")
        db.session.commit()

    return do


@pytest.fixture
def city(app, make_office, make_unit):
    """The corpus above as units of the register (not yet published): ``city.scj`` … ``city.xhscj``."""
    from portal.extensions import db
    from portal.registry import services as registry
    from portal.registry.models import UnitName

    make_office("330106", name="杭州市西湖区机构编制委员会办公室", short_name="西编")
    c = SimpleNamespace()
    c.scj = make_unit("杭州市市场监督管理局", short_name="市监局", level="division",
                      functions_md="## 主要职责\n\n1. 负责**市场综合监督管理**。\n2. 统一登记市场主体并建立信息公示和共享机制。"
                                   "\n3. 负责食品安全监督管理综合协调。")
    c.scj.other_names.append(UnitName(kind="plaque", name="杭州市知识产权局"))
    registry.add_department(None, c.scj, {"name": "综合规划处", "functions_md": "承担综合规划和法规工作。"})
    registry.add_department(None, c.scj, {"name": "登记注册处", "functions_md": "承担市场主体登记注册。"})
    c.rsj = make_unit("杭州市人力资源和社会保障局", short_name="市人社局", level="division",
                      functions_md="负责促进就业工作，统筹建立覆盖城乡的社会保险体系，负责人事人才工作。")
    c.bb = make_unit("中共杭州市委机构编制委员会办公室", short_name="市委编办", kind="mass_org", level="division",
                     functions_md="负责全市行政编制、事业编制和领导职数的实名制管理，监督检查机构编制执行情况，查处吃空饷。")
    c.sjj = make_unit("杭州市审计局", level="division",
                      functions_md="主管全市审计工作。对市场监督等部门的财政收支进行[审计监督](https://example.org)。")
    c.sjzx = make_unit("杭州市审计局信息中心", kind="institution", parent=c.sjj, level="section",
                       functions_md="承担审计数据的采集、整理和分析工作。")
    c.ybj = make_unit("杭州市医疗保障局", short_name="市医保局", level="division",
                      functions_md="负责医疗保险、生育保险、医疗救助等医疗保障制度的实施。")
    c.ybj.other_names.append(UnitName(kind="former", name="杭州市医疗保险管理服务中心"))
    c.xhscj = make_unit("西湖区市场监督管理局", region_code="330106", level="section",
                        functions_md="负责辖区市场监督管理和知识产权保护。")
    db.session.commit()
    c.all = [c.scj, c.rsj, c.bb, c.sjj, c.sjzx, c.ybj, c.xhscj]
    return c
