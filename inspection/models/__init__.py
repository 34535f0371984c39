"""The inspection package's tables; importing this module registers them all."""
from inspection.models.attachments import CaseAttachment
from inspection.models.cases import Case, CaseEvent, CaseMember, CaseNote
from inspection.models.enums import (
    CaseSource,
    CaseStatus,
    IndicatorArea,
    InstructionKind,
    NoticeKind,
    RectificationStatus,
    Severity,
    ViolationType,
)
from inspection.models.findings import Finding
from inspection.models.instructions import SupervisionInstruction
from inspection.models.notices import NoticeDelivery, RectificationNotice
from inspection.models.numbering import NumberCounter
from inspection.models.reminders import ReminderSent

__all__ = [
    "Case", "CaseAttachment", "CaseEvent", "CaseMember", "CaseNote", "CaseSource", "CaseStatus", "Finding",
    "IndicatorArea", "InstructionKind", "NoticeDelivery", "NoticeKind", "NumberCounter", "RectificationNotice",
    "RectificationStatus", "ReminderSent", "Severity", "SupervisionInstruction", "ViolationType",
]
