"""CLI groups by noun. Packages add their commands to these groups; ``create_app`` registers them."""
from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup

users_cli = AppGroup("users", help="用户：创建用户、签发 API 令牌。")
units_cli = AppGroup("units", help="机构编制台账：导入、公开、撤回单位。")
demo_cli = AppGroup("demo", help="演示数据。")
audit_cli = AppGroup("audit", help="审计日志：校验哈希链。")
search_cli = AppGroup("search", help="公开信息检索：重建索引。")
bench_cli = AppGroup("bench", help="性能测试：生成测试数据。")
reminders_cli = AppGroup("reminders", help="提醒：整改期限提醒与逾期通知（由 cron 定时执行），并发送待发邮件。")

GROUPS = (users_cli, units_cli, demo_cli, audit_cli, search_cli, bench_cli, reminders_cli)


def cli_actor_name() -> str:
    """How a command-line operation is named in the audit trail."""
    try:
        who = getpass.getuser()
    except Exception:  # no login name in some containers
        who = "unknown"
    return f"命令行:{who}"


def fail(message: str) -> None:
    """Print a Chinese error and exit with status 1 (no traceback)."""
    click.echo(message, err=True)
    raise SystemExit(1)


@demo_cli.command("load")
def demo_load() -> None:
    """填充演示数据（可重复执行，不会重复创建）。"""
    from portal.audit.services import acting_as
    from portal.demo import steps
    from portal.extensions import db

    with acting_as(f"演示数据（{cli_actor_name()}）"):
        for _order, name, fn in steps():
            click.echo(f"== {name}")
            fn(click.echo)
            db.session.commit()
    click.echo("演示数据已就绪。")
