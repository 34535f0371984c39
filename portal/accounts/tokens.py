"""API tokens: issued once in clear, stored as SHA-256, revocable."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from portal.accounts.models import ApiToken, User
from portal.audit import services as audit
from portal.extensions import db
from portal.timeutil import utcnow

TOKEN_PREFIX = "bbp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User, *, actor=None, actor_name: str | None = None) -> str:
    """Create a token for ``user`` and return it in clear (it is never shown again)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user=user, token_hash=_digest(token), prefix=token[:12])
    db.session.add(record)
    db.session.flush()
    kwargs = {} if actor is None else {"actor": actor}
    audit.record("token.issue", "user", user.id, details={"token_id": record.id, "prefix": record.prefix},
                 actor_name=actor_name, **kwargs)
    return token


def user_for_token(token: str) -> User | None:
    record = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if record is None or not record.user.is_enabled:
        return None
    record.last_used_at = utcnow()
    db.session.commit()
    return record.user


def revoke_token(record: ApiToken, *, actor=None) -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        kwargs = {} if actor is None else {"actor": actor}
        audit.record("token.revoke", "user", record.user_id, details={"token_id": record.id, "prefix": record.prefix},
                     **kwargs)
