"""``flask --app portal audit verify``: walk the hash chain and name the first broken event."""
from __future__ import annotations

import click

from portal.audit import services
from portal.cli import audit_cli, fail


@audit_cli.command("verify")
def verify() -> None:
    """校验审计日志哈希链；发现篡改时指出第一个被篡改的事件并以状态 1 退出。"""
    total = services.count_events()
    with click.progressbar(length=total, label="校验审计日志", show_pos=True) as bar:
        result = services.verify_chain(progress=bar.update)
    if not result.ok:
        fail(result.describe())
    click.echo(result.describe())
    click.echo(f"链尾哈希：{result.last_hash}（可另行记录，用于日后比对）")
