"""Imports every model of the core so metadata is complete (Alembic autogenerate, create_all)."""
from portal.accounts.models import ApiToken, User, UserPermission  # noqa: F401
from portal.audit.models import AuditChainHead, AuditEvent  # noqa: F401
from portal.notify.models import Notification  # noqa: F401
from portal.registry.models import (  # noqa: F401
    DisciplineBody,
    EstablishmentDocument,
    InternalDepartment,
    LeadershipPost,
    Office,
    StaffingQuota,
    Unit,
    UnitEvent,
    UnitName,
)
