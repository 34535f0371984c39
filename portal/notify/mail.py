"""E-mail delivery of in-app notifications over SMTP (off unless ``MAIL_ENABLED``).

A mail says only that there is something to look at: the notification's short subject and an absolute
link into the portal, never any content (house rule: details stay behind the login). ``deliver_pending``
is run by ``flask reminders send`` (cron); it marks each sent notification's ``emailed_at`` so a second run
sends nothing again. Delivery problems are logged and counted, never raised to the caller: the in-app
notification is already there, and the next run retries what was not sent.

Notifications of disabled users or users without a usable address are *not* marked: they are left for a
later run (the user may get an address) and the ``MAIL_MAX_AGE_HOURS`` window bounds how long they are
looked at. They are excluded by the query, so they never use up ``limit``; ``skipped`` reports how many
are waiting that way.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal.accounts.models import User
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "[机构编制监督检查平台] "
COMMIT_EVERY = 50


@dataclass(frozen=True)
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def _one_line(text: str | None) -> str:
    """No CR/LF (or other line breaks) in anything that goes into a header or a body line."""
    return " ".join((text or "").split())


def _usable_address(address: str | None) -> bool:
    address = (address or "").strip()
    return (
        bool(address) and address.count("@") == 1 and not any(c.isspace() or ord(c) < 32 for c in address)
        and all(address.split("@"))
    )


def notification_url(link: str | None, base_url: str) -> str:
    """The absolute address of a notification's link; only site-relative paths are joined on."""
    base = (base_url or "").rstrip("/")
    if link and link.startswith("/") and not link.startswith("//") and _one_line(link) == link:
        return base + link
    return base or "/"


@dataclass(frozen=True)
class _Pending:
    """What a mail needs, copied out of the rows (a commit mid-run expires ORM objects)."""
    id: int
    user_id: int
    address: str
    name: str
    subject: str
    link: str | None


def build_message(item: _Pending, *, sender: str, base_url: str) -> EmailMessage:
    """The mail for one notification: subject and link, fixed text around them, nothing else."""
    subject = _one_line(item.subject)
    name = _one_line(item.name)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = item.address.strip()
    msg["Subject"] = SUBJECT_PREFIX + subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        f"{name}，您好：\n\n"
        f"您在机构编制监督检查平台有一条新通知：{subject}\n\n"
        f"请登录平台查看：{notification_url(item.link, base_url)}\n\n"
        "——\n"
        "本邮件由平台自动发送，请勿回复。按照平台规定，邮件只作提醒，不含任何具体内容；详情请登录平台查看。\n",
        charset="utf-8",
    )
    return msg


def _cutoff(config):
    return utcnow() - timedelta(hours=float(config["MAIL_MAX_AGE_HOURS"]))


def _deliverable(cutoff):
    return (
        Notification.emailed_at.is_(None),
        Notification.created_at >= cutoff,
        User.is_enabled.is_(True),
        User.email.is_not(None),
        User.email.like("%@%"),
    )


def _count_undeliverable(cutoff) -> int:
    """Pending notifications in the window that cannot be mailed (disabled user, no address)."""
    return db.session.scalar(
        select(func.count(Notification.id))
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= cutoff,
            or_(User.is_enabled.is_not(True), User.email.is_(None), ~User.email.like("%@%")),
        )
    ) or 0


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_HOST"], int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def deliver_pending(limit: int = 500) -> DeliveryResult:
    """Mail up to ``limit`` notifications not mailed yet, over one SMTP connection; mail problems never raise.

    Each sent notification gets ``emailed_at`` (committed every ``COMMIT_EVERY`` mails and at the end),
    so running this twice mails each notification once. A refused recipient is counted as failed and
    retried next run; a lost or impossible connection ends the run (logged).
    """
    config = current_app.config
    if not config.get("MAIL_ENABLED"):
        return DeliveryResult()
    cutoff = _cutoff(config)
    skipped = _count_undeliverable(cutoff)
    rows = db.session.execute(
        select(Notification.id, Notification.subject, Notification.link,
               User.id, User.email, User.display_name, User.username)
        .join(User, User.id == Notification.user_id)
        .where(*_deliverable(cutoff))
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    pending = [_Pending(nid, uid, email, display or username, subject, link)
               for nid, subject, link, uid, email, display, username in rows]
    if not pending:
        return DeliveryResult(skipped=skipped)

    sender, base_url = config["MAIL_SENDER"], config["BASE_URL"]
    try:
        smtp = _connect(config)
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # ValueError: a malformed port/timeout
        log.error("邮件发送：无法连接 SMTP 服务器 %s:%s（%s），%d 条通知留待下次发送",
                  config["MAIL_HOST"], config["MAIL_PORT"], exc, len(pending))
        return DeliveryResult(skipped=skipped)

    sent, failed, unmarked = 0, 0, []
    try:
        for item in pending:
            if not _usable_address(item.address):
                skipped += 1
                log.warning("邮件发送：用户 %s 的邮箱地址无效，通知 %s 未发送", item.user_id, item.id)
                continue
            try:
                smtp.send_message(build_message(item, sender=sender, base_url=base_url))
            except smtplib.SMTPServerDisconnected as exc:
                log.error("邮件发送：SMTP 连接中断（%s），其余通知留待下次发送", exc)
                break
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                    smtplib.SMTPNotSupportedError, ValueError) as exc:
                failed += 1
                log.warning("邮件发送：通知 %s（用户 %s）发送失败，下次重试：%s", item.id, item.user_id, exc)
                continue
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                log.error("邮件发送：通知 %s 发送时出错（%s），本次发送中止", item.id, exc)
                break
            sent += 1
            unmarked.append(item.id)
            if len(unmarked) >= COMMIT_EVERY:
                _mark_sent(unmarked)
                unmarked = []
    finally:
        _mark_sent(unmarked)
        _close(smtp)
    log.info("邮件发送：已发送 %d，失败 %d，跳过 %d", sent, failed, skipped)
    return DeliveryResult(sent=sent, failed=failed, skipped=skipped)


def _mark_sent(ids: list[int]) -> None:
    """Record and commit that these notifications were mailed (a failed commit is logged: they would
    be mailed again next run, which beats losing them)."""
    if not ids:
        return
    try:
        db.session.execute(
            update(Notification).where(Notification.id.in_(ids)).values(emailed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("邮件发送：无法记录 %d 条通知的发送时间，下次可能重复发送", len(ids))
