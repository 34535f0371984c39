"""Common abbreviations of establishment body names (简称), used as aliases at index time and as suggestions.

A unit whose name contains the full form gets the abbreviation (alone and in place of the full form,
``杭州市市场监督管理局`` → ``市监局``, ``杭州市市监局``) in its ``aliases`` field, so ``市监局`` finds it.
"""
from __future__ import annotations

ABBREVIATIONS: dict[str, str] = {
    "市监局": "市场监督管理局",
    "市场监管局": "市场监督管理局",
    "人社局": "人力资源和社会保障局",
    "人社厅": "人力资源和社会保障厅",
    "编办": "机构编制委员会办公室",
    "编委办": "机构编制委员会办公室",
    "发改委": "发展和改革委员会",
    "卫健委": "卫生健康委员会",
    "住建局": "住房和城乡建设局",
    "住建厅": "住房和城乡建设厅",
    "医保局": "医疗保障局",
    "规资局": "自然资源和规划局",
    "资规局": "自然资源和规划局",
    "生态环境局": "生态环境局",
    "交通局": "交通运输局",
    "农业局": "农业农村局",
    "退役军人局": "退役军人事务局",
    "应急局": "应急管理局",
    "大数据局": "数据资源管理局",
    "审批局": "行政审批局",
    "文广旅局": "文化广电旅游局",
    "文广旅体局": "文化广电旅游体育局",
    "经信局": "经济和信息化局",
    "科技局": "科学技术局",
    "教育局": "教育局",
    "财政局": "财政局",
    "统计局": "统计局",
    "信访局": "信访局",
    "国资委": "国有资产监督管理委员会",
    "民宗局": "民族宗教事务局",
    "综合执法局": "综合行政执法局",
    "城管局": "城市管理局",
}


def aliases_for(name: str) -> list[str]:
    """Abbreviated forms of ``name``: each matching abbreviation alone and substituted into the name."""
    out: list[str] = []
    for short, full in ABBREVIATIONS.items():
        if short != full and full in name:
            for alias in (short, name.replace(full, short)):
                if alias not in out:
                    out.append(alias)
    return out


def expansions_of(word: str) -> list[str]:
    """Full forms for a query word that is (or contains) an abbreviation: ``杭州人社局`` → ``杭州人力资源和社会保障局``."""
    out = []
    for short, full in ABBREVIATIONS.items():
        if short != full and short in word:
            expanded = word.replace(short, full)
            if expanded not in out:
                out.append(expanded)
    return out
