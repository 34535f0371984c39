"""Fixtures: a real SMTP server (aiosmtpd) on loopback that keeps what it receives, and the portal's mail
settings pointed at it. Registered for every test module from tests/conftest.py."""
from __future__ import annotations

import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

BASE = "https://bianban.example/"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """aiosmtpd handler: keeps every accepted mail; refuses the addresses in ``refuse``."""

    def __init__(self):
        self.mails: list[dict] = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []
        self.hang_up_on: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hang_up_on & set(envelope.rcpt_tos):
            return "421 4.3.0 Service shutting down"
        self.mails.append({
            "peer": session.peer,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message": message_from_bytes(envelope.original_content or envelope.content, policy=default_policy),
        })
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        ok = auth_data.login == b"portal" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)


@pytest.fixture()
def smtp_server():
    handler = Collector()
    controller = Controller(
        handler, hostname="127.0.0.1", port=_free_port(),
        authenticator=handler.authenticate, auth_require_tls=False,
        # PLAIN only: smtplib falls back from a refused PLAIN to LOGIN, which waits out the timeout here
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
        controller.loop.close()


@pytest.fixture()
def mail_on(app, smtp_server):
    controller, handler = smtp_server
    app.config.update({
        "MAIL_ENABLED": True, "MAIL_HOST": "127.0.0.1", "MAIL_PORT": controller.port,
        "MAIL_SENDER": "noreply@bianban.example", "BASE_URL": BASE, "MAIL_TIMEOUT": 5,
    })
    return handler
