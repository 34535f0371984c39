"""Write docs/samples/units-sample.csv (English headers, UTF-8) and units-sample.xlsx (Chinese headers).

Both hold the same twelve realistic 杭州 units; credit codes get their GB 32100-2015 check character
from ``portal.registry.creditcode.make``. Run from the repository root after changing the rows:

    .venv/bin/python scripts/make_import_samples.py
"""
from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.registry.creditcode import make  # noqa: E402
from portal.registry.importer import COLUMNS_BY_KEY  # noqa: E402

OUT = ROOT / "docs" / "samples"
STAMP = datetime(2026, 1, 1)

HEADERS = [
    "code", "name", "short_name", "kind", "category", "civil_service", "funding", "level", "parent_code", "region",
    "functions", "classified", "classified_fields", "established_on", "plaques", "former_names",
    "administrative_approved", "administrative_actual", "institutional_approved", "institutional_actual",
    "logistics_approved", "logistics_actual", "political_legal_approved", "political_legal_actual",
    "revolving_approved", "revolving_actual", "chief_posts_approved", "chief_posts_actual",
    "deputy_posts_approved", "deputy_posts_actual",
]

RENFANG = make("11330100002497631")
JIGUAN = make("11330100002497858")
XIHU = make("11330100470106624")
BAOMI = make("11330100002498237")


def unit(code, name, short, kind, level, region, functions, *, category="", civil="否", funding="财政全额", parent="",
         classified="否", classified_fields="", established=None, plaques="", former="", quotas=None, posts=(1, 1, 2, 2)):
    quotas = quotas or {}
    row = {
        "code": code, "name": name, "short_name": short, "kind": kind, "category": category, "civil_service": civil,
        "funding": funding, "level": level, "parent_code": parent, "region": region, "functions": functions,
        "classified": classified, "classified_fields": classified_fields, "established_on": established,
        "plaques": plaques, "former_names": former,
        "chief_posts_approved": posts[0], "chief_posts_actual": posts[1],
        "deputy_posts_approved": posts[2], "deputy_posts_actual": posts[3],
    }
    for category_code in ("administrative", "institutional", "logistics", "political_legal", "revolving"):
        approved, actual = quotas.get(category_code, (None, None))
        row[f"{category_code}_approved"], row[f"{category_code}_actual"] = approved, actual
    return row


ROWS = [
    unit(RENFANG, "杭州市人民防空办公室", "市人防办", "党政机关", "正处级", "330100",
         "贯彻执行人民防空工作的方针政策和法律法规；拟订全市人民防空建设规划并组织实施；负责人民防空工程建设管理和防空警报设施管理。",
         established=date(2019, 2, 28), plaques="杭州市民防局",
         quotas={"administrative": (38, 36), "logistics": (3, 3)}, posts=(1, 1, 3, 3)),
    unit(make("12330100MB1C47622"), "杭州市人防指挥信息保障中心", "市人防信息中心", "事业单位", "正科级", "330100",
         "承担人民防空指挥通信、信息系统建设和运行维护的技术保障工作。",
         category="公益一类", parent=RENFANG, classified_fields="主要职责；内设机构", established=date(2005, 6, 1),
         quotas={"institutional": (25, 24)}),
    unit(JIGUAN, "杭州市机关事务管理局", "市机关事务局", "党政机关", "正处级", "330100",
         "（一）负责市级机关事务工作的规划和管理，拟订相关制度并组织实施。\n"
         "（二）负责市级机关办公用房的统一管理和公务用车的保障工作。\n"
         "（三）负责市级机关节约能源资源工作。",
         established=date(2019, 2, 28), former="杭州市人民政府机关事务管理局",
         quotas={"administrative": (45, 48), "logistics": (20, 18)}, posts=(1, 1, 4, 5)),
    unit(make("12330100MB1C48317"), "杭州市机关事务保障中心", "市机关保障中心", "事业单位", "正科级", "330100",
         "承担市级机关办公用房维修、公务用车服务和机关后勤保障的具体工作。",
         category="公益一类", civil="是", parent=JIGUAN, quotas={"institutional": (60, 57)}),
    unit(XIHU, "杭州西湖风景名胜区管理委员会", "西湖风景名胜区管委会", "党政机关", "正处级", "330100",
         "负责西湖风景名胜区的保护、规划、建设和管理，统筹园林绿化和文物保护工作。",
         plaques="杭州市园林文物局", quotas={"administrative": (60, 59)}, posts=(1, 1, 5, 5)),
    unit(make("12330100MB1C49051"), "杭州市园林绿化发展中心", "市园林绿化中心", "事业单位", "正科级", "330100",
         "承担全市园林绿化建设管理、古树名木保护的技术支撑和服务工作。",
         category="公益一类", parent=XIHU, former="杭州市园林绿化管理处",
         quotas={"institutional": (80, 78), "logistics": (6, 6)}, posts=(1, 1, 3, 3)),
    unit(make("13330100002499118"), "杭州市文学艺术界联合会", "市文联", "群团机关", "正处级", "330100",
         "联络、协调、服务全市各文艺家协会和文艺工作者，组织文艺创作和文艺交流活动。",
         quotas={"administrative": (18, 18)}, posts=(1, 1, 3, 3)),
    unit(make("13330100002499192"), "杭州市红十字会", "市红会", "群团机关", "正处级", "330100",
         "开展救灾救助、应急救护培训、无偿献血和造血干细胞捐献的宣传动员工作。",
         quotas={"administrative": (15, 16)}),
    unit(BAOMI, "中共杭州市委保密委员会办公室", "市委保密办", "党政机关", "正处级", "330100",
         "负责全市保密工作的统筹协调、监督检查和保密技术防护。",
         classified="是", plaques="杭州市国家保密局", quotas={"administrative": (20, 20)}),
    unit(make("11330105002503449"), "杭州市拱墅区司法局", "拱墅区司法局", "党政机关", "正科级", "330105",
         "负责全区法治建设、公共法律服务、人民调解和社区矫正工作。",
         established=date(2021, 4, 1), quotas={"political_legal": (35, 33), "administrative": (5, 5)},
         posts=(1, 1, 3, 3)),
    unit(make("12330102MB1D20783"), "杭州市上城区城市建设发展中心", "上城区城建中心", "事业单位", "副科级", "330102",
         "承担全区城市基础设施项目前期研究、建设协调和技术服务工作。",
         category="公益二类", funding="财政差额", quotas={"institutional": (20, 21), "revolving": (2, 2)}),
    unit(make("11330106002516704"), "杭州市西湖区退役军人事务局", "西湖区退役军人局", "党政机关", "正科级", "330106",
         "负责全区退役军人思想政治、就业创业、优抚褒扬和权益维护工作。",
         established=date(2021, 4, 1), quotas={"administrative": (12, 12)}),
]


def cell(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _reproducible(xlsx: bytes) -> bytes:
    """The same bytes on every run: fixed ZIP entry times and a fixed modified date in the core
    properties (openpyxl stamps both with the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + STAMP.isoformat().encode() + b"Z",
                                 content)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6]), content,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "units-sample.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADERS)
        for row in ROWS:
            writer.writerow([cell(row[h]) for h in HEADERS])

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "单位"
    sheet.append([COLUMNS_BY_KEY[h].header for h in HEADERS])
    for cell_ in sheet[1]:
        cell_.font = Font(bold=True)
    for row in ROWS:
        sheet.append([row[h] if row[h] not in ("",) else None for h in HEADERS])
    for column in ("A", "I"):  # credit codes as text, so Excel keeps all 18 characters
        for cell_ in sheet[column]:
            cell_.number_format = "@"
    for cell_ in sheet["N"][1:]:
        cell_.number_format = "yyyy-mm-dd"
    for cell_ in sheet["K"][1:]:
        cell_.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"
    workbook.properties.creator = "bianban-portal"
    workbook.properties.created = STAMP
    buffer = io.BytesIO()
    workbook.save(buffer)
    (OUT / "units-sample.xlsx").write_bytes(_reproducible(buffer.getvalue()))
    print(f"wrote {len(ROWS)} units to {OUT}/units-sample.csv and units-sample.xlsx")


if __name__ == "__main__":
    main()
