from portal.accounts.models.users import Role, User, UserPermission
from portal.accounts.models.tokens import ApiToken

__all__ = ["ApiToken", "Role", "User", "UserPermission"]
