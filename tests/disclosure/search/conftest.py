"""A small corpus of realistic Hangzhou bodies and index fixtures (no database needed)."""
from __future__ import annotations

import pytest

from disclosure.search import SearchDocument, index_documents, open_or_create_index

SCJ = "11330100MB1234567A"      # 杭州市市场监督管理局
RSJ = "11330100MB2345678B"      # 杭州市人力资源和社会保障局
BB = "11330100MB3456789C"       # 中共杭州市委机构编制委员会办公室
SJJ = "11330100MB4567890D"      # 杭州市审计局
SJZX = "12330100MB5678901E"     # 杭州市审计局信息中心 (child of 审计局)
YBJ = "11330100MB6789012F"      # 杭州市医疗保障局 (曾用名)
XHSCJ = "11330106MB7890123G"    # 西湖区市场监督管理局

CORPUS = [
    SearchDocument(SCJ, "杭州市市场监督管理局", "市监局", ["杭州市知识产权局"],
                   "负责市场综合监督管理。统一登记市场主体并建立信息公示和共享机制。负责食品安全监督管理综合协调。",
                   "admin", "city", "330100", "", "", "综合规划处\n登记注册处"),
    SearchDocument(RSJ, "杭州市人力资源和社会保障局", "市人社局", [],
                   "负责促进就业工作，统筹建立覆盖城乡的社会保险体系，负责人事人才工作。",
                   "admin", "city", "330100"),
    SearchDocument(BB, "中共杭州市委机构编制委员会办公室", "市委编办", [],
                   "负责全市行政编制、事业编制和领导职数的实名制管理，监督检查机构编制执行情况，查处吃空饷。",
                   "party", "city", "330100"),
    SearchDocument(SJJ, "杭州市审计局", "", [],
                   "主管全市审计工作。对市场监督等部门的财政收支进行审计监督。",
                   "admin", "city", "330100"),
    SearchDocument(SJZX, "杭州市审计局信息中心", "", [],
                   "承担审计数据的采集、整理和分析工作。",
                   "institution", "city", "330100", SJJ, "杭州市审计局"),
    SearchDocument(YBJ, "杭州市医疗保障局", "市医保局", ["杭州市医疗保险管理服务中心"],
                   "负责医疗保险、生育保险、医疗救助等医疗保障制度的实施。",
                   "admin", "city", "330100"),
    SearchDocument(XHSCJ, "西湖区市场监督管理局", "", [],
                   "负责辖区市场监督管理和知识产权保护。",
                   "admin", "district", "330106"),
]

NAMES = {d.code: d.name for d in CORPUS}


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    """One index of CORPUS shared by the read-only tests of a module."""
    si = open_or_create_index(tmp_path_factory.mktemp("search"))
    assert index_documents(si, CORPUS)
    yield si
    si.close()


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path


@pytest.fixture
def fresh_index(data_dir):
    si = open_or_create_index(data_dir)
    yield si
    si.close()
