"""Establishment documents (批复文件) filed on a unit; 沿革 events and edits can cite them."""
from __future__ import annotations

from portal.audit import services as audit
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry.models import EstablishmentDocument, Unit
from portal.registry.services import validation as v
from portal.registry.services.common import require_edit


def add_document(actor, unit: Unit, data: dict) -> EstablishmentDocument:
    require_edit(actor, unit)
    errors = v.Errors()
    doc_number = v.text(data, "doc_number", errors, "文号", required=True)
    title = v.text(data, "title", errors, "文件标题", required=True, max_len=200)
    issued_on = v.a_date(data, "issued_on", errors, "发文日期", required=True)
    if errors:
        raise InvalidInput(dict(errors))
    document = EstablishmentDocument(unit=unit, doc_number=doc_number, title=title, issued_on=issued_on)
    db.session.add(document)
    db.session.flush()
    audit.record("unit.document", "unit", unit.id,
                 details={"document_id": document.id, "doc_number": doc_number, "title": title})
    return document
