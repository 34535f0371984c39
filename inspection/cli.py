"""`flask --app portal reminders send`: today's deadline reminders, then the e-mail of pending notifications."""
from __future__ import annotations

from datetime import date

import click

from portal.cli import reminders_cli


@reminders_cli.command("send")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="按指定日期（北京时间，YYYY-MM-DD）计算，用于补发或测试；默认今天。")
def reminders_send(today) -> None:
    """发送整改期限提醒与逾期通知（可重复执行，每条提醒只发一次），再发送待发邮件。"""
    from portal.extensions import db

    from inspection.reminders import send_reminders

    day: date | None = today.date() if today is not None else None
    result = send_reminders(day, on_batch=db.session.commit)
    db.session.commit()
    click.echo(f"提醒：单位 {result.unit} 条，主办人 {result.lead} 条")

    from portal.notify.mail import deliver_pending

    mailed = deliver_pending()
    click.echo(f"邮件：已发送 {mailed.sent} 封，失败 {mailed.failed} 封，跳过 {mailed.skipped} 封")
