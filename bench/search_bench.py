"""Search engine core figures on a synthetic corpus: index build rate and query p50/p95 per query kind.

    .venv/bin/python bench/search_bench.py [--docs 5000] [--procs 2] [--queries 30] [--keep DIR]
    .venv/bin/python bench/search_bench.py --data-dir DIR     # queries only, on DIR/search_index as built
                                                              # by `search reindex` (e.g. after bench generate)

Builds a throwaway index (in a temp folder unless --keep) from generated establishment records (names like
杭州市市场监督管理局, short names, plaques, ~600 characters of functions text), through ``rebuild`` (the
parallel path ``search reindex`` uses), then times single-document updates and searches of several kinds.
No database, no HTTP. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from disclosure.search import (
    SearchDocument,
    analyzer,
    index_documents,
    open_or_create_index,
    rebuild,
    search,
)

REGIONS = [("330100", "杭州市"), ("330102", "上城区"), ("330105", "拱墅区"), ("330106", "西湖区"),
           ("330108", "滨江区"), ("330109", "萧山区"), ("330110", "余杭区"), ("330200", "宁波市"),
           ("330300", "温州市"), ("330400", "嘉兴市"), ("330500", "湖州市"), ("330600", "绍兴市")]
BODIES = [("市场监督管理局", "市监局"), ("人力资源和社会保障局", "人社局"), ("发展和改革委员会", "发改委"),
          ("卫生健康委员会", "卫健委"), ("审计局", ""), ("医疗保障局", "医保局"), ("住房和城乡建设局", "住建局"),
          ("财政局", ""), ("教育局", ""), ("统计局", ""), ("应急管理局", "应急局"), ("交通运输局", "交通局"),
          ("农业农村局", "农业局"), ("生态环境局", ""), ("退役军人事务局", ""), ("数据资源管理局", "大数据局")]
CENTRES = ["信息中心", "服务中心", "执法队", "研究所", "培训中心", "档案馆", "检测中心", "事务中心"]
PHRASES = [
    "负责贯彻执行国家和省有关法律法规和方针政策", "拟订全市相关发展规划并组织实施", "承担机构编制管理和监督检查",
    "负责行政编制、事业编制的实名制管理", "严格控制领导职数，防止超编和超职数配备", "查处吃空饷等违纪违规行为",
    "推进一网通办和数字政府建设", "落实三定规定，规范内设机构设置", "统筹建立覆盖城乡的社会保险体系",
    "负责市场综合监督管理，统一登记市场主体", "组织实施食品安全监督管理", "负责医疗保险和医疗救助制度实施",
    "开展审计监督，对财政收支进行审计", "负责数据资源统筹管理和共享开放", "承担应急管理和安全生产综合监管",
    "负责统计调查和统计数据发布", "完成上级交办的其他任务", "指导下级部门开展业务工作",
]


def corpus(n: int, seed: int = 7) -> list[SearchDocument]:
    rnd = random.Random(seed)
    docs = []
    for i in range(n):
        region_code, region = REGIONS[i % len(REGIONS)]
        body, short = BODIES[(i // len(REGIONS)) % len(BODIES)]
        serial = i // (len(REGIONS) * len(BODIES))
        parent_code, parent_name = "", ""
        if serial == 0:
            name, kind = f"{region}{body}", "admin"
        else:
            parent_name = f"{region}{body}"
            parent_code = f"P{region_code}{(i // len(REGIONS)) % len(BODIES):02d}"
            name, kind = f"{region}{body}{CENTRES[serial % len(CENTRES)]}{serial}", "institution"
        functions = "。".join(rnd.sample(PHRASES, 8)) + "。" + "".join(rnd.sample(PHRASES, 6))
        docs.append(SearchDocument(
            code=f"C{i:08d}", name=name, short_name=short if serial == 0 else "",
            other_names=[f"{region}{body.replace('局', '办公室')}"] if i % 7 == 0 else [],
            functions_text=functions, kind=kind, level="city" if region_code.endswith("00") else "district",
            region_code=region_code, parent_code=parent_code, parent_name=parent_name,
        ))
    return docs


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def timed(fn, repeat):
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--queries", type=int, default=30, help="repetitions per query kind")
    parser.add_argument("--keep", help="build the index in this folder instead of a temp one")
    parser.add_argument("--data-dir", help="measure queries on the index already in this data dir (no build)")
    args = parser.parse_args()
    if args.data_dir:
        queries_only(Path(args.data_dir), args.queries)
        return

    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="search-bench-")
    data_dir = Path(args.keep or tmp.name)
    docs = corpus(args.docs)
    si = open_or_create_index(data_dir)
    try:
        start = time.perf_counter()
        analyzer.warm_up()
        print(f"jieba load: {time.perf_counter() - start:.2f} s")

        start = time.perf_counter()
        sample = docs[: min(500, len(docs))]
        for d in sample:
            analyzer.segment(d.name + "\n" + d.functions_text)
        seg_rate = len(sample) / (time.perf_counter() - start)
        print(f"segmentation alone, one core: {seg_rate:,.0f} docs/s")

        start = time.perf_counter()
        count = rebuild(si, iter(docs), procs=args.procs)
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in (data_dir / "search_index").iterdir()) / 1e6
        print(f"rebuild ({args.procs} procs): {count:,} docs in {elapsed:.1f} s = {count / elapsed:,.0f} docs/s, "
              f"index {size:.1f} MB")

        rnd = random.Random(11)
        updates = timed(lambda i: index_documents(si, [docs[rnd.randrange(len(docs))]]), 10)
        print(f"single update + commit: p50 {pct(updates, 50):.1f} ms, p95 {pct(updates, 95):.1f} ms")
        after = []
        for _ in range(5):
            index_documents(si, [docs[rnd.randrange(len(docs))]])
            after += timed(lambda i: search(si, "审计"), 1)
        print(f"first search after a commit (new searcher, columns re-read): p50 {pct(after, 50):.1f} ms")

        names = [d.name for d in docs]
        kinds = {
            "full name": lambda i: search(si, names[rnd.randrange(len(names))]),
            "abbreviation": lambda i: search(si, rnd.choice(["市监局", "人社局", "发改委", "卫健委", "医保局"])),
            "two-char word": lambda i: search(si, rnd.choice(["审计", "财政", "统计", "教育", "编办"])),
            "functions word": lambda i: search(si, rnd.choice(["吃空饷", "实名制", "食品安全", "社会保险"])),
            "two words": lambda i: search(si, rnd.choice(["西湖区 审计", "杭州市 信息中心", "宁波市 档案馆"])),
            "phrase": lambda i: search(si, '"市场监督"'),
            "filtered": lambda i: search(si, "管理局", filters={"region": rnd.choice(REGIONS)[0]}),
            "page 10": lambda i: search(si, "中心", page=10),
            "sort by name": lambda i: search(si, "服务中心", sort="name"),
            "pinyin initials": lambda i: search(si, "hzsscjdglj"),
            "typo (suggestions)": lambda i: search(si, "杭州市市场监肚管理局"),
        }
        print(f"\nqueries ({args.queries} each; cold = match cache cleared first, warm = repeated query):")
        print(f"{'kind':<20} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'hits':>7}")
        for kind, fn in kinds.items():
            cold = timed(lambda i, fn=fn: (si.clear_cache(), fn(i)), args.queries)
            warm = timed(lambda i, fn=fn: fn(0), args.queries)
            print(f"{kind:<20} {pct(cold, 50):9.1f} {pct(cold, 95):9.1f} {pct(warm, 50):9.1f} {fn(0).total:7d}")
    finally:
        si.close()
        if tmp is not None:
            tmp.cleanup()


def queries_only(data_dir: Path, repeat: int) -> None:
    import resource

    si = open_or_create_index(data_dir)
    try:
        start = time.perf_counter()
        analyzer.warm_up()
        print(f"jieba load: {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        with si.held() as held:
            g = si.view(held)
        print(f"generation set-up (columns, name order): {(time.perf_counter() - start) * 1000:.0f} ms, "
              f"{g.size:,} documents")
        size = sum(p.stat().st_size for p in (data_dir / "search_index").iterdir() if p.is_file()) / 1e6
        print(f"index size: {size:.0f} MB")
        rnd = random.Random(3)
        kinds = {
            "full name": ["杭州市市场监督管理局", "宁波市审计局", "温州市人力资源和社会保障局", "中共嘉兴市委机构编制委员会办公室"],
            "abbreviation": ["市监局", "人社局", "发改委", "卫健委", "医保局", "编办"],
            "common word": ["管理", "中心", "市场", "服务", "工作", "负责"],
            "two-char word": ["审计", "财政", "统计", "教育", "小学", "医院"],
            "functions word": ["吃空饷", "实名制", "食品安全", "社会保险", "乡村振兴", "数字政府"],
            "two words": ["西湖区 审计", "杭州市 信息中心", "宁波市 小学", "温州市 管理"],
            "filtered": [("管理局", {"region": "330106"}), ("中心", {"kind": "institution"}),
                         ("管理", {"kind": "party_gov", "region": "330100"})],
            "page 10": [("中心", 10), ("管理", 10), ("小学", 10)],
            "sort by name": [("服务中心", "name"), ("管理", "name")],
            "pinyin initials": ["hzsscjdglj", "nbssjj"],
            "typo (suggestions)": ["杭州市市场监肚管理局", "审汁局"],
        }

        def run(kind, q):
            if kind == "filtered":
                return search(si, q[0], filters=q[1])
            if kind == "page 10":
                return search(si, q[0], page=q[1])
            if kind == "sort by name":
                return search(si, q[0], sort=q[1])
            return search(si, q)

        print(f"{'kind':<20} {'cold p50':>9} {'cold max':>9} {'warm p50':>9} {'warm p95':>9} {'hits (1st)':>10}")
        for kind, queries in kinds.items():
            cold = timed(lambda i: run(kind, queries[i]), len(queries))       # first time each: sets read
            si.clear_cache()
            warm_terms = timed(lambda i: (si.clear_cache(), run(kind, queries[i % len(queries)])), repeat)
            print(f"{kind:<20} {pct(cold, 50):9.1f} {max(cold):9.1f} {pct(warm_terms, 50):9.1f} "
                  f"{pct(warm_terms, 95):9.1f} {run(kind, queries[0]).total:10d}")
        rnd.random()
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        si.close()


if __name__ == "__main__":
    main()
