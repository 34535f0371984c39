"""Public portal figures through HTTP: search (/search, /api/v1/units) and unit pages at scale.

    export PORTAL_DATA_DIR=/tmp/portal-bench SECRET_KEY=bench-only      # a throwaway data dir (SQLite inside)
    # or also DATABASE_URL=postgresql://postgres@127.0.0.1/portal_bench  (an empty database)
    .venv/bin/flask --app portal db upgrade
    .venv/bin/flask --app portal bench generate --units 100000           # ~25 s on SQLite
    .venv/bin/flask --app portal search reindex                          # the index build, timed by itself
    .venv/bin/python bench/portal_bench.py --start                       # one gunicorn worker on 127.0.0.1
    .venv/bin/python bench/portal_bench.py --client                      # or: Flask test client, full WSGI stack
    .venv/bin/python bench/portal_bench.py --url http://127.0.0.1:8000   # or: a server you started yourself

Every query kind is measured twice: **cold** (distinct queries, each the first of its kind the worker
sees: term sets and matches are read from the index) and **warm** (the same queries again: the worker's
per-generation caches answer). Unit pages are distinct units each time. Prints p50/p95 in milliseconds
and the worker's resident memory; asserts nothing (timings are never asserted, not in tests either).
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SINGLE = ["市场监督管理局", "审计", "编办", "管理", "市监局", "人社局", "中心", "财政局", "教育", "卫生", "小学", "医院",
          "信息中心", "服务中心", "社会保险", "吃空饷", "实名制", "食品安全", "档案馆", "研究所", "街道办事处", "幼儿园",
          "统计局", "应急管理", "数字政府", "乡村振兴", "养老服务", "招商引资", "防汛抗旱", "知识产权局"]
PLACES = ["杭州市", "宁波市", "温州市", "西湖区", "上城区", "萧山区", "余杭区", "嘉兴市", "湖州市", "绍兴市", "金华市",
          "衢州市", "舟山市", "台州市", "丽水市"]
BODIES = ["审计", "财政", "教育", "小学", "信息中心", "卫生", "市监局", "人社局", "医院", "档案馆", "民政", "水利"]
FILTERS = [("kind", "party_gov"), ("kind", "institution"), ("level", "section"), ("kind", "mass_org")]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))]


class HttpClient:
    def __init__(self, base: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=120)

    def get(self, path: str) -> tuple[int, int]:
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        return response.status, len(body)


class WsgiClient:
    def __init__(self):
        from portal import create_app

        self.app = create_app()
        self.client = self.app.test_client()

    def get(self, path: str) -> tuple[int, int]:
        response = self.client.get(path)
        return response.status_code, len(response.data)


def _codes(n: int, seed: int) -> list[str]:
    from sqlalchemy import select

    from portal import create_app
    from portal.extensions import db
    from portal.registry.models import Unit

    app = create_app()
    with app.app_context():
        codes = db.session.execute(select(Unit.code)).scalars().all()
        db.session.remove()
    return random.Random(seed).sample(codes, min(n, len(codes)))


def _queries(kind: str, n: int, rnd: random.Random) -> list[str]:
    def q(**params):
        return urlencode({k: v for k, v in params.items() if v})

    if kind == "single term":
        return [q(q=t) for t in rnd.sample(SINGLE, min(n, len(SINGLE)))]
    if kind == "two terms":
        return [q(q=f"{p} {b}") for p, b in rnd.sample([(p, b) for p in PLACES for b in BODIES], n)]
    if kind == "filtered (kind/level)":
        return [q(q=t, **{f: v}) for t, (f, v) in rnd.sample([(t, f) for t in SINGLE for f in FILTERS], n)]
    if kind == "filtered (region)":
        regions = ["330100", "330106", "330102", "330200", "330300", "330109", "330110", "330400", "330500"]
        return [q(q=t, region=r) for t, r in rnd.sample([(t, r) for t in SINGLE for r in regions], n)]
    if kind == "page 10":
        return [q(q=t, page=10) for t in rnd.sample(SINGLE, min(n, len(SINGLE)))]
    if kind == "sort by name":
        return [q(q=t, sort="name") for t in rnd.sample(SINGLE, min(n, len(SINGLE)))]
    if kind == "no hits (suggestions)":
        typos = ["杭州市市场监肚管理局", "审汁局", "人社句", "市监句", "宁波市教肓局", "西湖区财正局", "编力", "温州市卫生建康委员会"]
        return [q(q=t) for t in typos[:n]]
    raise ValueError(kind)


def measure(client, paths: list[str]) -> tuple[list[float], set[int]]:
    times, statuses = [], set()
    for path in paths:
        start = time.perf_counter()
        status, _size = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        statuses.add(status)
    return times, statuses


def rss_mb(pid: int | None) -> str:
    try:
        status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    except OSError:
        return "?"
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return f"{int(line.split()[1]) / 1024:.0f} MB"
    return "?"


def start_server(port: int) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "300",
               "portal:create_app()"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            HttpClient(f"http://127.0.0.1:{port}").get("/about")
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("gunicorn did not start: " + proc.stderr.read().decode(errors="replace")[-2000:])


def worker_pid(master: int) -> int | None:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--start", action="store_true", help="start one gunicorn worker on 127.0.0.1 (default)")
    how.add_argument("--client", action="store_true", help="Flask test client in this process instead of HTTP")
    how.add_argument("--url", help="an already running server")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--runs", type=int, default=20, help="distinct queries per kind (cold), then again (warm)")
    parser.add_argument("--units", type=int, default=200, help="unit pages to fetch")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    codes = _codes(args.units, args.seed)
    proc = pid = None
    if args.client:
        client = WsgiClient()
    else:
        url = args.url
        if url is None:
            proc = start_server(args.port)
            pid = worker_pid(proc.pid)
            url = f"http://127.0.0.1:{args.port}"
        client = HttpClient(url)
    rnd = random.Random(args.seed)
    try:
        start = time.perf_counter()
        status, _ = client.get("/search?" + urlencode({"q": "杭州"}))
        print(f"first search (index opened, jieba and generation loaded): {(time.perf_counter() - start) * 1000:.0f} ms"
              f" (HTTP {status})")
        rows = []
        kinds = ["single term", "two terms", "filtered (kind/level)", "filtered (region)", "page 10", "sort by name",
                 "no hits (suggestions)"]
        for kind in kinds:
            queries = _queries(kind, args.runs, rnd)
            for label, prefix in (("/search", "/search?"), ("/api/v1/units", "/api/v1/units?")):
                cold, statuses = measure(client, [prefix + q for q in queries])
                warm, more = measure(client, [prefix + q for q in queries])
                rows.append((f"{label} {kind}", len(queries), cold, warm, statuses | more))
        unit_times, statuses = measure(client, [f"/units/{c}" for c in codes])
        rows.append(("/units/<code>", len(codes), unit_times, None, statuses))
        api_times, statuses = measure(client, [f"/api/v1/units/{c}" for c in codes])
        rows.append(("/api/v1/units/<code>", len(codes), api_times, None, statuses))

        print(f"\n{'request':<44} {'n':>4} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}  HTTP")
        for label, n, cold, warm, statuses in rows:
            warm_cols = f"{pct(warm, 50):9.1f} {pct(warm, 95):9.1f}" if warm else f"{'-':>9} {'-':>9}"
            print(f"{label:<44} {n:4d} {pct(cold, 50):9.1f} {pct(cold, 95):9.1f} {warm_cols}  "
                  f"{','.join(map(str, sorted(statuses)))}")
        all_search = [t for label, _n, cold, warm, _s in rows if "<code>" not in label for t in cold + (warm or [])]
        print(f"\nall searches: p50 {pct(all_search, 50):.1f} ms, p95 {pct(all_search, 95):.1f} ms; "
              f"worker RSS {rss_mb(pid if proc else None)}")
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)


if __name__ == "__main__":
    main()
