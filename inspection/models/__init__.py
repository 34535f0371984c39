"""The inspection package's tables; importing this module registers them all."""
from inspection.models.attachments import CaseAttachment
from inspection.models.calendar import CalendarDay, CalendarYear, LocalHoliday
from inspection.models.cases import Case, CaseEvent, CaseMember, CaseNote
from inspection.models.enums import (
    CaseSource,
    CaseStatus,
    ExtensionStatus,
    IndicatorArea,
    InstructionKind,
    NoticeKind,
    RectificationStatus,
    Severity,
    SubmissionStatus,
    ViolationType,
)
from inspection.models.extensions import ExtensionRequest
from inspection.models.findings import Finding
from inspection.models.instructions import SupervisionInstruction
from inspection.models.notices import NoticeDelivery, RectificationNotice
from inspection.models.numbering import NumberCounter
from inspection.models.reminders import ReminderSent
from inspection.models.submissions import EvidenceFile, RectificationSubmission

__all__ = [
    "CalendarDay", "CalendarYear", "EvidenceFile", "ExtensionRequest", "ExtensionStatus", "LocalHoliday",
    "RectificationSubmission", "SubmissionStatus",
    "Case", "CaseAttachment", "CaseEvent", "CaseMember", "CaseNote", "CaseSource", "CaseStatus", "Finding",
    "IndicatorArea", "InstructionKind", "NoticeDelivery", "NoticeKind", "NumberCounter", "RectificationNotice",
    "RectificationStatus", "ReminderSent", "Severity", "SupervisionInstruction", "ViolationType",
]
