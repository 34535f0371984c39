"""Settings: defaults, then the environment, then the mapping given to ``create_app``.

``DATABASE_URL``, ``SECRET_KEY`` and ``PORTAL_DATA_DIR`` are read by name; every other setting
comes from a ``PORTAL_*`` variable (``PORTAL_LOCKOUT_THRESHOLD=3``) via ``from_prefixed_env``.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT_DIR / "templates"
MIGRATIONS_DIR = ROOT_DIR / "migrations"
TRANSLATIONS_DIR = ROOT_DIR / "translations"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; start-up stops with this message."""


DEFAULTS: dict = {
    "ENV_NAME": "development",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_I18N_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=0),
    # idle-session timeout (minutes): each request refreshes the session
    "IDLE_TIMEOUT_MINUTES": 30,
    # failed logins before the account locks, and for how long
    "LOCKOUT_THRESHOLD": 5,
    "LOCKOUT_MINUTES": 15,
    # password policy
    "PASSWORD_MIN_LENGTH": 10,
    # argon2id parameters (memory in KiB); tests use cheap ones
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "ARGON2_PARALLELISM": 2,
    # the office every installation starts with
    "ROOT_OFFICE_NAME": "杭州市机构编制委员会办公室",
    "ROOT_OFFICE_SHORT_NAME": "杭编",
    "ROOT_OFFICE_REGION": "330100",
    # upload limit for imports and forms (bytes)
    # (routes that take more say so with portal.web.allow_large_body: a rectification report's evidence)
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 20000,
    "PER_PAGE": 25,
    # disclosure: the approver of a publication must differ from the proposer (双人审核)
    "DISCLOSURE_TWO_PERSON_RULE": True,
    # disclosure: whether published snapshots show the actual headcount (实有人数)
    "DISCLOSURE_SHOW_ACTUAL": False,
    # public search backend: "whoosh" (an index under the data directory, the default) or "postgres" (a table
    # in the PostgreSQL database, for offices running several app servers; needs DATABASE_URL=postgresql://...)
    "SEARCH_BACKEND": "whoosh",
    # inspection: the word after the office's abbreviation in case and notice numbers (杭编督〔2026〕3号,
    # 杭编督改〔2026〕1号)
    "CASE_NUMBER_WORD": "督",
    "NOTICE_NUMBER_WORD": "督改",
    # inspection: default rectification period, in working days after the notice is issued
    "RECTIFICATION_WORKING_DAYS": 30,
    # inspection: a case attachment's size limit (bytes); types are checked by content (portal.files)
    "ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
    # inspection: a returned report's new deadline, in working days after the return (退回重报)
    "RECTIFICATION_RETURN_WORKING_DAYS": 10,
    # inspection: evidence (佐证材料) limits, per file and per submission (bytes)
    "EVIDENCE_MAX_BYTES": 20 * 1024 * 1024,
    "SUBMISSION_MAX_BYTES": 100 * 1024 * 1024,
    # inspection: a unit is flagged 整改未完成 (暂停受理机构编制事项) while it has overdue findings; with this
    # on, any finding not yet accepted or waived counts
    "RECTIFICATION_FLAG_ANY_OPEN": False,
    # e-mail (SMTP): off by default; a mail carries a short subject and a link, never content.
    # BASE_URL is the portal's address as users reach it (links in mails), e.g. "https://bianban.example"
    "MAIL_ENABLED": False,
    "MAIL_HOST": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,      # STARTTLS after connecting
    "MAIL_USE_SSL": False,      # SMTP over TLS from the start (port 465)
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "noreply@localhost",
    "MAIL_TIMEOUT": 10,
    # notifications older than this are never mailed (switching mail on does not send an old backlog)
    "MAIL_MAX_AGE_HOURS": 72,
    "BASE_URL": "http://127.0.0.1:5000",
    # how many reverse proxies (nginx) sit in front: their X-Forwarded-For/-Proto/-Host are trusted
    # for that many hops, so the audit trail records the client's address, not the proxy's; 0 = none
    "PROXY_COUNT": 0,
    # flask-smorest / OpenAPI
    "API_TITLE": "机构编制监督检查与信息公开平台 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def data_dir_from_env(overrides: dict) -> Path:
    raw = overrides.get("DATA_DIR") or os.environ.get("PORTAL_DATA_DIR") or (ROOT_DIR / "instance")
    path = Path(raw).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_secret_key(app_config: dict, data_dir: Path) -> str:
    """The secret key: from settings; else, in development, one kept in the data directory."""
    key = app_config.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if key:
        return key
    if app_config.get("ENV_NAME") == "production":
        raise ConfigError(
            "SECRET_KEY is not set. A production start (PORTAL_ENV=production) needs a fixed secret key "
            "so that sessions and CSRF tokens survive restarts and are shared by all workers: "
            "set SECRET_KEY in the environment (e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key
