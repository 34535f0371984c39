"""``flask --app portal search reindex [--procs N]``: rebuild the public search from the published snapshots.

Works on the configured backend: the Whoosh index under the data directory (one commit; searches see the
old index until then) or, with ``SEARCH_BACKEND=postgres``, the search table (rewritten in one transaction).
"""
from __future__ import annotations

import time

import click

from portal.cli import search_cli
from portal.extensions import db

from disclosure import indexing


@search_cli.command("reindex")
@click.option("--procs", type=click.IntRange(1, 64), default=None,
              help="分词使用的进程数（默认：CPU 核数，最多 2）。")
def reindex(procs: int | None) -> None:
    """从已公开信息重建检索索引（显示进度）。"""
    procs = procs or indexing.default_procs()
    started = time.monotonic()
    backend = indexing.backend_name()
    click.echo(f"读取已公开单位……（检索后端：{backend}）")
    docs = indexing.published_documents()
    with click.progressbar(length=len(docs), label="重建索引", show_pos=True) as bar:
        count = indexing.reindex(procs=procs, progress=bar.update, documents=docs)
    db.session.commit()
    click.echo(f"已为 {count} 个公开单位重建检索索引，用时 {time.monotonic() - started:.1f} 秒（{procs} 个进程）。")
