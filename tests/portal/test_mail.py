"""E-mail delivery of notifications: real mail to an aiosmtpd server on loopback, read back."""
from __future__ import annotations

from datetime import timedelta


from portal.extensions import db
from portal.notify.mail import DeliveryResult, deliver_pending
from portal.notify.models import Notification
from portal.notify.services import notify
from portal.timeutil import utcnow

from tests.mail_fixtures import _free_port  # the smtp_server and mail_on fixtures come from there too

PREFIX = "[机构编制监督检查平台] "


def _note(user, subject="您有一项整改期限即将到期", link="/inspection/findings/7"):
    note = notify(user, "reminder", subject, link)
    db.session.commit()
    return note


def _body(mail) -> str:
    return mail["message"].get_body(("plain",)).get_content()


def test_sends_subject_and_absolute_link_only(app, mail_on, make_user):
    user = make_user(email="zhang@unit.example", display_name="张三")
    note = _note(user)

    assert deliver_pending() == DeliveryResult(sent=1, failed=0, skipped=0)

    [mail] = mail_on.mails
    msg = mail["message"]
    assert mail["rcpt_tos"] == ["zhang@unit.example"]
    assert mail["mail_from"] == "noreply@bianban.example"
    assert msg["To"] == "zhang@unit.example"
    assert msg["From"] == "noreply@bianban.example"
    assert msg["Subject"] == PREFIX + "您有一项整改期限即将到期"
    assert msg.get_content_charset() == "utf-8"
    body = _body(mail)
    expected = (
        "张三，您好：\n\n"
        "您在机构编制监督检查平台有一条新通知：您有一项整改期限即将到期\n\n"
        "请登录平台查看：https://bianban.example/inspection/findings/7\n\n"
        "——\n"
        "本邮件由平台自动发送，请勿回复。按照平台规定，邮件只作提醒，不含任何具体内容；详情请登录平台查看。\n"
    )
    assert body == expected
    assert db.session.get(Notification, note.id).emailed_at is not None


def test_no_link_points_to_base_url(app, mail_on, make_user):
    _note(make_user(email="a@unit.example"), link=None)
    deliver_pending()
    assert "请登录平台查看：https://bianban.example\n" in _body(mail_on.mails[0])


def test_second_run_sends_nothing_again(app, mail_on, make_user):
    first, second = make_user(email="a@unit.example"), make_user(email="b@unit.example")
    _note(first), _note(first, subject="另一条通知"), _note(second)

    assert deliver_pending().sent == 3
    assert deliver_pending() == DeliveryResult()
    assert len(mail_on.mails) == 3
    assert sorted(m["rcpt_tos"][0] for m in mail_on.mails) == ["a@unit.example", "a@unit.example", "b@unit.example"]
    # all three over one connection
    assert len({m["peer"] for m in mail_on.mails}) == 1

    _note(second, subject="新的通知")
    assert deliver_pending().sent == 1
    assert len(mail_on.mails) == 4


def test_limit_leaves_the_rest_for_the_next_run(app, mail_on, make_user):
    user = make_user(email="a@unit.example")
    for n in range(3):
        _note(user, subject=f"通知{n}")
    assert deliver_pending(limit=2).sent == 2
    assert deliver_pending(limit=2).sent == 1
    assert [m["message"]["Subject"] for m in mail_on.mails] == [PREFIX + f"通知{n}" for n in range(3)]


def test_disabled_by_default(app, smtp_server, make_user):
    controller, handler = smtp_server
    app.config.update({"MAIL_HOST": "127.0.0.1", "MAIL_PORT": controller.port})
    assert app.config["MAIL_ENABLED"] is False
    note = _note(make_user(email="a@unit.example"))

    assert deliver_pending() == DeliveryResult(0, 0, 0)
    assert handler.mails == []
    assert db.session.get(Notification, note.id).emailed_at is None


def test_users_without_address_or_disabled_are_skipped_unmarked(app, mail_on, make_user):
    no_address = _note(make_user(email=None))
    blank = _note(make_user(email=""))
    disabled = _note(make_user(email="gone@unit.example", is_enabled=False))
    ok = _note(make_user(email="ok@unit.example"))

    assert deliver_pending() == DeliveryResult(sent=1, failed=0, skipped=3)
    assert [m["rcpt_tos"] for m in mail_on.mails] == [["ok@unit.example"]]
    for note in (no_address, blank, disabled):
        assert db.session.get(Notification, note.id).emailed_at is None
    assert db.session.get(Notification, ok.id).emailed_at is not None


def test_old_notifications_are_never_mailed(app, mail_on, make_user):
    user = make_user(email="a@unit.example")
    old = _note(user, subject="旧通知")
    old.created_at = utcnow() - timedelta(hours=app.config["MAIL_MAX_AGE_HOURS"] + 1)
    db.session.commit()
    recent = _note(user, subject="新通知")
    recent.created_at = utcnow() - timedelta(hours=app.config["MAIL_MAX_AGE_HOURS"] - 1)
    db.session.commit()

    assert deliver_pending().sent == 1
    assert [m["message"]["Subject"] for m in mail_on.mails] == [PREFIX + "新通知"]
    assert db.session.get(Notification, old.id).emailed_at is None


def test_refused_recipient_is_retried_next_run(app, mail_on, make_user):
    refused = _note(make_user(email="full@unit.example"))
    ok = _note(make_user(email="ok@unit.example"))
    mail_on.refuse.add("full@unit.example")

    assert deliver_pending() == DeliveryResult(sent=1, failed=1, skipped=0)
    assert db.session.get(Notification, refused.id).emailed_at is None
    assert db.session.get(Notification, ok.id).emailed_at is not None

    mail_on.refuse.clear()
    assert deliver_pending() == DeliveryResult(sent=1, failed=0, skipped=0)
    assert [m["rcpt_tos"] for m in mail_on.mails] == [["ok@unit.example"], ["full@unit.example"]]
    assert db.session.get(Notification, refused.id).emailed_at is not None


def test_server_down_returns_quietly_and_marks_nothing(app, make_user, caplog):
    app.config.update({"MAIL_ENABLED": True, "MAIL_HOST": "127.0.0.1", "MAIL_PORT": _free_port(),
                       "MAIL_TIMEOUT": 2})
    note = _note(make_user(email="a@unit.example"))

    assert deliver_pending() == DeliveryResult(0, 0, 0)
    assert db.session.get(Notification, note.id).emailed_at is None
    assert "无法连接 SMTP 服务器" in caplog.text


def test_subject_cannot_inject_headers(app, mail_on, make_user):
    _note(make_user(email="a@unit.example"), subject="整改提醒\r\nBcc: evil@attacker.example\r\n\r\n正文")
    assert deliver_pending().sent == 1
    [mail] = mail_on.mails
    assert mail["rcpt_tos"] == ["a@unit.example"]
    assert mail["message"]["Bcc"] is None
    assert mail["message"]["Subject"] == PREFIX + "整改提醒 Bcc: evil@attacker.example 正文"


def test_link_outside_the_portal_is_not_used(app, mail_on, make_user):
    _note(make_user(email="a@unit.example"), link="//evil.example/phish")
    deliver_pending()
    body = _body(mail_on.mails[0])
    assert "evil.example" not in body
    assert "请登录平台查看：https://bianban.example\n" in body


def test_logs_in_when_username_is_set(app, mail_on, make_user):
    app.config.update({"MAIL_USERNAME": "portal", "MAIL_PASSWORD": "s3cret"})
    _note(make_user(email="a@unit.example"))
    assert deliver_pending().sent == 1
    assert mail_on.logins == [("portal", "s3cret")]


def test_failed_login_sends_nothing(app, mail_on, make_user):
    app.config.update({"MAIL_USERNAME": "portal", "MAIL_PASSWORD": "wrong"})
    note = _note(make_user(email="a@unit.example"))
    assert deliver_pending() == DeliveryResult(0, 0, 0)
    assert mail_on.mails == []
    assert db.session.get(Notification, note.id).emailed_at is None


def test_connection_lost_mid_run_stops_and_retries_later(app, mail_on, make_user):
    first = _note(make_user(email="a@unit.example"))
    second = _note(make_user(email="b@unit.example"))
    mail_on.hang_up_on.add("a@unit.example")

    # the server drops the connection on the first mail: it counts as failed, the run stops there
    assert deliver_pending() == DeliveryResult(sent=0, failed=1, skipped=0)
    assert mail_on.mails == []
    for note in (first, second):
        assert db.session.get(Notification, note.id).emailed_at is None

    mail_on.hang_up_on.clear()
    assert deliver_pending().sent == 2
    assert sorted(m["rcpt_tos"][0] for m in mail_on.mails) == ["a@unit.example", "b@unit.example"]
