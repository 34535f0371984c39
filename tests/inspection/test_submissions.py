"""Reports on the services: drafts, who may write, submit and review, and every bad input — each gives a
message, stores nothing (no rows, no files) and leaves the finding as it was."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db

from inspection.models import EvidenceFile, Finding, RectificationSubmission
from inspection.services import cases, evidence, findings, submissions
from tests.inspection.submission_support import (
    REPORT,
    count,
    exe_bytes,
    nothing_stored,
    pdf_bytes,
    png_bytes,
    review,
    stored_files,
    submit,
    upload,
)


def refused(app, finding, call, error=InvalidInput):
    """Run ``call``; it must raise ``error``; after the rollback nothing is stored and the finding is as it was."""
    before_files, status, version = stored_files(app), finding.rectification_status, finding.version
    rows = count(RectificationSubmission)
    with pytest.raises(error) as caught:
        call()
    db.session.rollback()
    assert stored_files(app) == before_files
    assert count(RectificationSubmission) == rows
    db.session.expire_all()
    again = db.session.get(Finding, finding.id)
    assert (again.rectification_status, again.version) == (status, version)
    return caught.value


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize("data, name, message", [
    (exe_bytes(), "整改报告.pdf", "只能上传 PDF、JPEG、PNG、OFD、DOCX、XLSX 文件"),
    (png_bytes(), "整改报告.pdf", "与文件内容（PNG）不符"),
    (b"", "整改报告.pdf", "空文件"),
    (pdf_bytes(), "../x.pdf", "文件名不能包含路径或控制字符"),
    (pdf_bytes(), "..\\x.pdf", "文件名不能包含路径或控制字符"),
    (pdf_bytes(), "报告\x07.pdf", "文件名不能包含路径或控制字符"),
    (pdf_bytes(), "报告\u202egpj.pdf", "文件名不能包含路径或控制字符"),
])
@pytest.mark.parametrize("action", ["submit", "save_draft"])
def test_bad_file_is_refused_and_nothing_is_stored(app, w, sent_finding, data, name, message, action):
    finding = sent_finding()
    before = stored_files(app)
    error = refused(app, finding, lambda: getattr(submissions, action)(
        w.unit_user, finding, dict(REPORT), [upload(pdf_bytes(), "其他.pdf"), upload(data, name)]))
    assert message in error.fields["files"]
    assert nothing_stored(app, before)


def test_oversized_file_is_refused(app, w, sent_finding):
    app.config["EVIDENCE_MAX_BYTES"] = 100
    finding = sent_finding()
    before = stored_files(app)
    error = refused(app, finding, lambda: submissions.submit(w.unit_user, finding, dict(REPORT),
                                                             [upload(pdf_bytes() + b"%" * 200)]))
    assert "超过大小上限 100 字节" in error.fields["files"]
    assert nothing_stored(app, before)


def test_files_together_over_the_submission_limit_are_refused(app, w, sent_finding):
    app.config["SUBMISSION_MAX_BYTES"] = 2 * len(pdf_bytes()) + 5
    finding = sent_finding()
    before = stored_files(app)
    error = refused(app, finding, lambda: submissions.submit(
        w.unit_user, finding, dict(REPORT), [upload(), upload(pdf_bytes() + b"%1\n"), upload(pdf_bytes() + b"%2\n")]))
    assert "合计" in error.fields["files"] and "超过上限" in error.fields["files"]
    assert nothing_stored(app, before)


def test_submission_limit_counts_the_files_already_on_the_draft(app, w, sent_finding):
    app.config["SUBMISSION_MAX_BYTES"] = len(pdf_bytes()) + 5
    finding = sent_finding()
    submissions.save_draft(w.unit_user, finding, {}, [upload()])
    db.session.commit()
    before = stored_files(app)
    error = refused(app, finding, lambda: submissions.save_draft(w.unit_user, finding, {},
                                                                 [upload(pdf_bytes() + b"%1\n")]))
    assert "超过上限" in error.fields["files"]
    assert stored_files(app) == before and count(EvidenceFile) == 1


# ---------------------------------------------------------------- the report itself


@pytest.mark.parametrize("data, field", [
    ({"measures": "", "result": "已整改。"}, "measures"),
    ({"measures": "已核减。", "result": "  "}, "result"),
    ({}, "measures"),
])
def test_submit_needs_both_texts(app, w, sent_finding, data, field):
    finding = sent_finding()
    before = stored_files(app)
    error = refused(app, finding, lambda: submissions.submit(w.unit_user, finding, data, [upload()]))
    assert error.fields[field].startswith("请填写")
    assert nothing_stored(app, before)


def test_submit_needs_evidence(app, w, sent_finding):
    finding = sent_finding()
    error = refused(app, finding, lambda: submissions.submit(w.unit_user, finding, dict(REPORT), []))
    assert "请至少上传一份佐证材料" in error.fields["files"]


def test_text_too_long_is_refused(app, w, sent_finding):
    finding = sent_finding()
    error = refused(app, finding, lambda: submissions.save_draft(w.unit_user, finding, {"measures": "字" * 10001}))
    assert "不能超过 10000 个字" in error.fields["measures"]


# ---------------------------------------------------------------- drafts


def test_draft_keeps_text_and_files_and_submit_uses_them(app, w, sent_finding):
    finding = sent_finding()
    fresh = submissions.draft_for(w.unit_user, finding)
    assert fresh.id is None and fresh.round == 1 and fresh not in db.session
    draft = submissions.save_draft(w.unit_user, finding, {"measures": "措施草稿"}, [upload(png_bytes(), "照片.png")])
    db.session.commit()
    assert submissions.draft_for(w.unit_user, finding).id == draft.id
    assert finding.rectification_status == "pending"
    submissions.save_draft(w.unit_user, finding, {"result": "结果草稿"},
                           [upload(name="方案.pdf")])
    db.session.commit()
    assert [e.original_name for e in draft.evidence] == ["照片.png", "方案.pdf"]
    submitted = submissions.submit(w.unit_user, finding)
    db.session.commit()
    assert submitted.id == draft.id and (submitted.measures, submitted.result) == ("措施草稿", "结果草稿")
    assert count(RectificationSubmission) == 1


def test_remove_evidence_from_a_draft_deletes_row_and_file(app, w, sent_finding):
    finding = sent_finding()
    draft = submissions.save_draft(w.unit_user, finding, {}, [upload(), upload(png_bytes(), "照片.png")])
    db.session.commit()
    before = stored_files(app)
    gone = draft.evidence[0]
    submissions.remove_evidence(w.unit_user, gone)
    db.session.commit()
    assert [e.original_name for e in draft.evidence] == ["照片.png"]
    assert len(stored_files(app)) == len(before) - 1


def test_removal_rolled_back_keeps_the_file(app, w, sent_finding):
    finding = sent_finding()
    draft = submissions.save_draft(w.unit_user, finding, {}, [upload()])
    db.session.commit()
    before = stored_files(app)
    submissions.remove_evidence(w.unit_user, draft.evidence[0])
    db.session.rollback()
    assert stored_files(app) == before and count(EvidenceFile) == 1


def test_submitted_evidence_cannot_be_removed(app, w, sent_finding):
    finding = sent_finding()
    submission = submit(w, finding)
    with pytest.raises(InvalidInput):
        submissions.remove_evidence(w.unit_user, submission.evidence[0])


# ---------------------------------------------------------------- who


def test_another_units_finding_is_not_found(app, w, sent_finding):
    finding = sent_finding()
    before = stored_files(app)
    refused(app, finding, lambda: submissions.submit(w.centre_user, finding, dict(REPORT), [upload()]), NotFound)
    refused(app, finding, lambda: submissions.save_draft(w.centre_user, finding, dict(REPORT)), NotFound)
    assert nothing_stored(app, before)


def test_staff_cannot_submit_for_the_unit(app, w, sent_finding):
    finding = sent_finding()
    refused(app, finding, lambda: submissions.submit(w.inspector, finding, dict(REPORT), [upload()]),
            PermissionDenied)


def test_unsent_finding_is_not_found_for_the_unit(app, w, make_case, make_finding):
    finding = make_finding(make_case())
    with pytest.raises(NotFound):
        submissions.draft_for(w.unit_user, finding)


@pytest.mark.parametrize("state", ["submitted", "accepted", "closed"])
def test_no_report_when_the_finding_is_not_open(app, w, sent_finding, state):
    finding = sent_finding()
    if state == "submitted":
        submit(w, finding)
    else:
        findings.accept(w.inspector, finding)
        if state == "closed":
            cases.transition(w.inspector, finding.case, "closed")
        db.session.commit()
    assert not findings.allowed(submissions.check_submit, w.unit_user, finding)
    with pytest.raises(InvalidInput):
        submissions.save_draft(w.unit_user, finding, dict(REPORT))


def test_review_by_a_unit_user_is_forbidden(app, w, sent_finding):
    finding = sent_finding()
    submission = submit(w, finding)
    refused(app, finding, lambda: submissions.review(w.unit_user, submission, "accept"), PermissionDenied)
    assert submission.status == "submitted"


@pytest.mark.parametrize("who, error", [
    ("xihu_inspector", NotFound), ("centre_user", NotFound), ("discipline", NotFound),
    ("admin", PermissionDenied),  # reads the case, lacks cases.manage
])
def test_review_by_others(app, w, sent_finding, who, error):
    submission = submit(w, sent_finding())
    with pytest.raises(error):
        submissions.review(getattr(w, who), submission, "accept")


def test_superior_office_reads_but_cannot_review(app, w, make_case, make_finding, issue_notice, make_user):
    case = make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id)
    finding = make_finding(case, actor=w.xihu_inspector)
    issue_notice(case, actor=w.xihu_inspector)
    xihu_user = make_user("xihu_unit_user", role="unit", unit=w.xihu_unit)
    submission = submit(w, finding, actor=xihu_user)
    with pytest.raises(PermissionDenied):
        submissions.review(w.inspector, submission, "accept")
    review(w, submission, "accept", actor=w.xihu_inspector)
    assert submission.status == "accepted"


def test_second_review_is_refused_with_a_clear_message(app, w, sent_finding):
    finding = sent_finding()
    submission = submit(w, finding)
    review(w, submission, "accept", "通过。")
    error = refused(app, finding, lambda: submissions.review(w.inspector2, submission, "return", "再看看"),
                    submissions.AlreadyDecided)
    assert "不能重复审核" in error.message and error.status == 409
    assert submission.status == "accepted" and submission.reviewed_by_id == w.inspector.id


def test_return_needs_a_comment_and_a_known_decision(app, w, sent_finding):
    finding = sent_finding()
    submission = submit(w, finding)
    error = refused(app, finding, lambda: submissions.review(w.inspector, submission, "return", "  "))
    assert "须填写审核意见" in error.fields["comment"]
    error = refused(app, finding, lambda: submissions.review(w.inspector, submission, "maybe"))
    assert "decision" in error.fields


def test_stale_review_is_refused(app, w, sent_finding):
    finding = sent_finding()
    submission = submit(w, finding)
    error = refused(app, finding, lambda: submissions.review(w.inspector, submission, "accept", None,
                                                              version=submission.version - 1 or 99))
    assert "version" in error.fields


def test_evidence_names_are_checked_only_for_chosen_files(app, w, sent_finding):
    assert evidence.chosen([None, upload(b"", ""), upload()]) and len(evidence.chosen([upload(b"", "")])) == 0
    assert evidence.bad_name("../x.pdf") and evidence.bad_name("a\nb.pdf") and not evidence.bad_name("报告.v2.pdf")
    finding = sent_finding()
    submit(w, finding, files=[upload(), upload(b"", "")])  # an empty file input is no file at all
    assert count(EvidenceFile) == 1
    assert db.session.scalars(select(EvidenceFile)).one().original_name == "整改报告.pdf"


@pytest.mark.parametrize("settle", ["accept", "waive"])
def test_a_draft_goes_with_its_files_when_the_finding_is_settled(app, w, sent_finding, settle):
    """Accepted directly or waived while the unit had a draft: the draft can never be submitted, so it and
    its files go (audited); nothing is left that nobody can see."""
    from portal.audit.models import AuditEvent

    from inspection.services import findings

    finding = sent_finding()
    before = stored_files(app)
    submissions.save_draft(w.unit_user, finding, {"measures": "草稿"}, [upload()])
    db.session.commit()
    assert count(EvidenceFile) == 1 and len(stored_files(app)) == len(before) + 1
    if settle == "accept":
        findings.accept(w.inspector, finding, "现场核实已整改。")
    else:
        findings.request_waiver(w.inspector, finding, "改革过渡期遗留")
        findings.decide_waiver(w.approver, finding, approve=True)
    db.session.commit()
    assert count(RectificationSubmission) == 0 and count(EvidenceFile) == 0
    assert stored_files(app) == before
    assert count(AuditEvent, AuditEvent.action == "submission.discard") == 1
