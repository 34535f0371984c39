from portal.registry.models.offices import DisciplineBody, Office
from portal.registry.models.units import Unit, UnitName, UnitNameKind, UnitKind, UnitCategory, Funding, Level, UnitStatus, CLASSIFIABLE_FIELDS
from portal.registry.models.quotas import StaffingQuota, QuotaCategory, LeadershipPost, PostRank
from portal.registry.models.departments import InternalDepartment
from portal.registry.models.documents import EstablishmentDocument
from portal.registry.models.events import UnitEvent, UnitEventKind

__all__ = [
    "CLASSIFIABLE_FIELDS", "DisciplineBody", "EstablishmentDocument", "Funding", "InternalDepartment",
    "LeadershipPost", "Level", "Office", "PostRank", "QuotaCategory", "StaffingQuota", "Unit", "UnitCategory",
    "UnitEvent", "UnitEventKind", "UnitKind", "UnitName", "UnitNameKind", "UnitStatus",
]
