"""API token actions: issue one's own token, issue one from the command line, revoke a token.

The token mechanics (hashing, storage, lookup) live in ``portal.accounts.tokens``; these add the
account checks (enabled user, who may revoke whose token).
"""
from __future__ import annotations

from flask_babel import gettext as _

from portal.accounts import permissions, tokens
from portal.accounts.models import ApiToken, User
from portal.accounts.services.guards import require_manage
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db


def issue_own_token(user: User) -> str:
    """A new API token for the user themselves, returned in clear once."""
    if not user.is_enabled:
        raise PermissionDenied(_("该账户已停用。"))
    return tokens.issue_token(user, actor=user)


def issue_token_by_cli(user: User, actor_name: str) -> str:
    if not user.is_enabled:
        raise InvalidInput({"username": _("用户“%(name)s”已停用，不能签发令牌。", name=user.username)})
    return tokens.issue_token(user, actor=None, actor_name=actor_name)


def revoke_api_token(actor: User, token_id: int) -> ApiToken:
    """Revoke a token: one's own, or one of a user the actor manages."""
    record = db.session.get(ApiToken, token_id)
    if record is None:
        raise NotFound()
    if record.user_id != actor.id:
        permissions.get_user_or_404(actor, record.user_id)
        require_manage(actor, record.user)
    tokens.revoke_token(record, actor=actor)
    db.session.flush()
    return record
