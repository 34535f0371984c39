"""Who downloads evidence (佐证材料): staff of the office and of a superior office, the responsible unit;
nobody else (404, nothing audited); drafts are the unit's own; every download audited; safe headers."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from portal import files
from portal.audit.models import AuditEvent
from portal.extensions import db

from inspection.models import EvidenceFile
from inspection.services import submissions
from tests.inspection.submission_support import count, png_bytes, submit, upload


def fetch(client, evidence_id):
    response = client.get(f"/inspection/evidence/{evidence_id}")
    response.get_data()
    response.close()
    return response


def downloads(evidence_id) -> int:
    return count(AuditEvent, AuditEvent.action == "evidence.download", AuditEvent.object_id == str(evidence_id))


@pytest.fixture()
def xihu_evidence(w, make_case, make_finding, issue_notice, make_user):
    """A submitted file on a finding of a 西湖区 case (city staff read it as the superior office)."""
    case = make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id)
    finding = make_finding(case, actor=w.xihu_inspector)
    issue_notice(case, actor=w.xihu_inspector)
    unit_user = make_user("xihu_unit_user", role="unit", unit=w.xihu_unit)
    submission = submit(w, finding, files=[upload(png_bytes(), "现场照片.png")], actor=unit_user)
    return submission.evidence[0], unit_user


def test_download_headers_and_audit(app, w, sent_finding, signed_in):
    submission = submit(w, sent_finding(), files=[upload(png_bytes(), "现场照片.png")])
    file = submission.evidence[0]
    assert file.sha256 == hashlib.sha256(png_bytes()).hexdigest() and file.kind == "png"
    assert file.stored_name.startswith("evidence/") and "现场" not in file.stored_name
    response = fetch(signed_in(w.inspector2), file.id)
    assert response.status_code == 200 and response.data == png_bytes()
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert downloads(file.id) == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.download")).one()
    assert event.actor_id == w.inspector2.id and "现场照片.png" in event.payload


@pytest.mark.parametrize("who, status", [
    ("inspector", 200),  # superior office: reads
    ("xihu_inspector", 200),  # the office
    ("unit", 200),  # the responsible unit
    ("unit_user", 404),  # another unit
    ("binjiang_inspector", 404),  # a sibling district
    ("discipline", 404),
])
def test_who_downloads(app, w, xihu_evidence, signed_in, who, status):
    file, unit_user = xihu_evidence
    user = unit_user if who == "unit" else getattr(w, who)
    assert fetch(signed_in(user), file.id).status_code == status
    assert downloads(file.id) == (1 if status == 200 else 0)


def test_anonymous_is_sent_to_login(app, w, xihu_evidence):
    file, _unit_user = xihu_evidence
    response = fetch(app.test_client(), file.id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert downloads(file.id) == 0


def test_draft_files_are_the_units_own(app, w, sent_finding, signed_in):
    finding = sent_finding()
    draft = submissions.save_draft(w.unit_user, finding, {}, [upload()])
    db.session.commit()
    file = draft.evidence[0]
    assert fetch(signed_in(w.inspector), file.id).status_code == 404
    assert fetch(signed_in(w.centre_user), file.id).status_code == 404
    assert fetch(signed_in(w.unit_user), file.id).status_code == 200
    assert downloads(file.id) == 1


def test_lost_file_is_404_and_not_audited(app, w, sent_finding, signed_in):
    file = submit(w, sent_finding()).evidence[0]
    files.stored_path(file.stored_name).unlink()
    assert fetch(signed_in(w.inspector), file.id).status_code == 404
    assert downloads(file.id) == 0


def test_same_name_twice_keeps_both(app, w, sent_finding):
    submission = submit(w, sent_finding(), files=[upload(), upload(name="整改报告.pdf")])
    first, second = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert first.original_name == second.original_name and first.stored_name != second.stored_name
    assert len(submission.evidence) == 2
