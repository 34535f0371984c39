"""Registry actions (the 底账): units, their history, offices. Callers commit once after a call."""
from portal.registry.services.departments import add_department, remove_department, update_department
from portal.registry.services.documents import add_document
from portal.registry.services.offices import create_discipline_body, create_office, update_office
from portal.registry.services.units import (
    abolish_unit,
    create_unit,
    merge_units,
    record_event,
    rename_unit,
    unit_snapshot,
    update_unit,
    validate_unit_data,
)

__all__ = [
    "abolish_unit", "add_department", "add_document", "create_discipline_body", "create_office", "create_unit",
    "merge_units", "record_event", "remove_department", "rename_unit", "unit_snapshot", "update_department",
    "update_office", "update_unit", "validate_unit_data",
]
