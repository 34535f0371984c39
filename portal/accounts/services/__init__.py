"""Account actions: create and change users, passwords, per-user permissions, login and lockout.

Every function validates its input (``InvalidInput`` with Chinese messages per field), checks the
actor's right through ``portal.accounts.permissions``, changes state, writes an audit event and
flushes; the caller commits once. ``actor=None`` means the command line (an operator on the server):
it is trusted and may place users in any office.

The actions live in modules by subject and are all importable from here:

- ``users``: create, update, deactivate and reactivate users, passwords, ``find_user``
- ``login``: ``authenticate``, lockout and its message, ``unlock_user``, ``record_logout``
- ``grants``: per-user permission overrides and ``permission_table``
- ``api_tokens``: issuing and revoking API tokens (the mechanics are in ``portal.accounts.tokens``)
- ``listing``: ``users_list_query``, ``USER_STATUSES``, ``user_office``
- ``guards``: who may manage which users (shared by the above)
"""
from portal.accounts.services.api_tokens import issue_own_token, issue_token_by_cli, revoke_api_token
from portal.accounts.services.grants import (
    PERMISSION_STATES,
    PermissionRow,
    permission_state,
    permission_table,
    set_permission,
    set_permissions,
)
from portal.accounts.services.listing import USER_STATUSES, user_office, users_list_query
from portal.accounts.services.login import (
    ANONYMOUS,
    LoginRefused,
    authenticate,
    bad_credentials_message,
    lock_message,
    record_logout,
    unlock_user,
)
from portal.accounts.services.users import (
    AUDITED_FIELDS,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    EMAIL_RE,
    USERNAME_RE,
    Binding,
    change_own_password,
    create_user,
    deactivate_user,
    find_user,
    reactivate_user,
    reset_password,
    update_user,
)

__all__ = [
    "ANONYMOUS", "AUDITED_FIELDS", "DISPLAY_NAME_MAX", "EMAIL_MAX", "EMAIL_RE", "PERMISSION_STATES",
    "USERNAME_RE", "USER_STATUSES", "Binding", "LoginRefused", "PermissionRow", "authenticate",
    "bad_credentials_message", "change_own_password", "create_user", "deactivate_user", "find_user",
    "issue_own_token", "issue_token_by_cli", "lock_message", "permission_state", "permission_table",
    "reactivate_user", "record_logout", "reset_password", "revoke_api_token", "set_permission",
    "set_permissions", "unlock_user", "update_user", "user_office", "users_list_query",
]
