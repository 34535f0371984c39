"""The finding page on the web: the unit's draft editor and submit, the staff review, the whole loop once
through HTTP, upload errors in Chinese with nothing kept, the review queue and the certificate."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.timeutil import beijing_today

from inspection.models import EvidenceFile, Finding, RectificationSubmission
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
)


def post_report(client, finding, action="submit", files=(("整改报告.pdf", None),), environ=None, **data):
    payload = {"action": action, **{k: v for k, v in REPORT.items()}, **data}
    payload["files"] = [(io.BytesIO(pdf_bytes() if body is None else body), name) for name, body in files]
    return client.post(f"/inspection/findings/{finding.id}/report", data=payload, content_type="multipart/form-data",
                       environ_overrides=environ or {})


def page(client, finding) -> tuple[int, str]:
    response = client.get(f"/inspection/findings/{finding.id}")
    return response.status_code, response.get_data(as_text=True)


def test_whole_loop_through_http(app, w, sent_finding, signed_in):
    finding = sent_finding()
    unit, staff = signed_in(w.unit_user), signed_in(w.inspector)
    status, html = page(unit, finding)
    assert status == 200 and 'type="file"' in html and "multiple" in html and "保存草稿" in html
    assert "通过验收" not in html

    response = post_report(unit, finding)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inspection/findings/{finding.id}#report")
    submission = db.session.scalars(select(RectificationSubmission)).one()
    assert submission.status == "submitted"

    status, html = page(staff, finding)
    assert "通过验收" in html and "退回" in html and "待审核" in html and REPORT["measures"] in html
    response = staff.post(f"/inspection/submissions/{submission.id}/review", data={"decision": "return", "comment": "请补充花名册。"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).rectification_status == "returned"

    status, html = page(unit, finding)
    assert "请补充花名册。" in html and "第 2 轮整改报告" in html
    post_report(unit, finding, action="save", measures="补充措施", result="", files=(("花名册.png", png_bytes()),))
    draft = db.session.scalars(select(RectificationSubmission).where(RectificationSubmission.round == 2)).one()
    assert draft.status == "draft"
    assert "花名册.png" not in page(staff, finding)[1]  # staff never see a draft
    assert post_report(unit, finding, files=()).status_code == 302

    second = db.session.scalars(select(RectificationSubmission).where(RectificationSubmission.round == 2)).one()
    assert second.status == "submitted" and second.measures == REPORT["measures"]
    staff.post(f"/inspection/submissions/{second.id}/review", data={"decision": "accept", "comment": ""})
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).rectification_status == "accepted"
    status, html = page(unit, finding)
    assert "整改验收确认书" in html and "第 1 轮整改报告" in html and "第 2 轮整改报告" in html

    response = staff.post(f"/inspection/cases/{finding.case_id}/transition", data={"to": "closed"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).case.status == "closed"


@pytest.mark.parametrize("name, body, message", [
    ("整改报告.pdf", exe_bytes(), "只能上传 PDF"),
    ("整改报告.pdf", png_bytes(), "与文件内容（PNG）不符"),
    ("整改报告.pdf", b"", "空文件"),
    ("../x.pdf", None, "文件名不能包含路径或控制字符"),
])
def test_bad_upload_is_shown_and_nothing_kept(app, w, sent_finding, signed_in, name, body, message):
    finding = sent_finding()
    client = signed_in(w.unit_user)
    before = stored_files(app)
    response = post_report(client, finding, files=(("好的.pdf", None), (name, body)), measures="我填写的措施")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "我填写的措施" in html
    assert nothing_stored(app, before) and count(RectificationSubmission) == 0
    assert db.session.get(Finding, finding.id).rectification_status == "pending"


def test_control_character_in_name_through_http(app, w, sent_finding, signed_in):
    finding = sent_finding()
    before = stored_files(app)
    response = post_report(signed_in(w.unit_user), finding, files=(("报告\x1b.pdf", None),))
    # the multipart parser may drop or keep the character: either it is refused, or it never reached the name
    rows = list(db.session.scalars(select(EvidenceFile)))
    if response.status_code == 422:
        assert "文件名不能包含路径或控制字符" in response.get_data(as_text=True) and nothing_stored(app, before)
    else:
        assert all("\x1b" not in r.original_name for r in rows)


def test_missing_text_and_files(app, w, sent_finding, signed_in):
    finding = sent_finding()
    response = post_report(signed_in(w.unit_user), finding, files=(), measures="", result="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写整改措施。" in html and "请填写整改结果。" in html and "请至少上传一份佐证材料" in html
    assert count(RectificationSubmission) == 0


def test_body_over_the_report_limit_is_a_chinese_message(app, w, sent_finding, signed_in):
    from portal.web import FORM_ALLOWANCE

    app.config["SUBMISSION_MAX_BYTES"] = 1000  # the report's body may be this plus the form allowance
    finding = sent_finding()
    # a body declared larger than the limit (sent small: the test client would spool a real one to a file)
    response = post_report(signed_in(w.unit_user), finding, environ={"CONTENT_LENGTH": str(FORM_ALLOWANCE + 5000)})
    assert response.status_code == 413 and "上传的内容过大" in response.get_data(as_text=True)
    assert count(RectificationSubmission) == 0


def test_only_the_report_takes_a_body_larger_than_max_content_length(app, w, sent_finding, signed_in):
    """MAX_CONTENT_LENGTH stays small for every other route (the anonymous login form included); the
    report's route is allowed SUBMISSION_MAX_BYTES of evidence."""
    app.config["MAX_CONTENT_LENGTH"] = 2000
    finding = sent_finding()
    client = signed_in(w.unit_user)
    response = post_report(client, finding, files=(("佐证.pdf", pdf_bytes() + b"%" * 4000),))
    assert response.status_code == 302
    assert count(RectificationSubmission, RectificationSubmission.status == "submitted") == 1
    assert app.test_client().post("/login", data={"username": "x" * 4000, "password": "y"}).status_code == 413


def test_remove_evidence_from_the_draft(app, w, sent_finding, signed_in):
    finding = sent_finding()
    client = signed_in(w.unit_user)
    post_report(client, finding, action="save", files=(("a.pdf", None), ("b.png", png_bytes())))
    first = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).first()
    assert signed_in(w.inspector).post(f"/inspection/evidence/{first.id}/remove").status_code == 404
    assert signed_in(w.centre_user).post(f"/inspection/evidence/{first.id}/remove").status_code == 404
    response = client.post(f"/inspection/evidence/{first.id}/remove")
    assert response.status_code == 302
    assert [e.original_name for e in db.session.scalars(select(EvidenceFile))] == ["b.png"]


@pytest.mark.parametrize("who, status", [
    ("unit_user", 403), ("centre_user", 404), ("xihu_inspector", 404), ("discipline", 404), ("admin", 403),
])
def test_review_by_others_over_http(app, w, sent_finding, signed_in, who, status):
    finding = sent_finding()
    submission = submit(w, finding)
    response = signed_in(getattr(w, who)).post(f"/inspection/submissions/{submission.id}/review",
                                               data={"decision": "accept"})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(RectificationSubmission, submission.id).status == "submitted"


def test_second_review_over_http_says_so(app, w, sent_finding, signed_in):
    submission = submit(w, sent_finding())
    review(w, submission, "accept")
    response = signed_in(w.inspector2).post(f"/inspection/submissions/{submission.id}/review",
                                            data={"decision": "return", "comment": "再退回"})
    assert response.status_code == 409 and "不能重复审核" in response.get_data(as_text=True)


def test_return_without_comment_keeps_the_page(app, w, sent_finding, signed_in):
    submission = submit(w, sent_finding())
    response = signed_in(w.inspector).post(f"/inspection/submissions/{submission.id}/review",
                                           data={"decision": "return", "comment": ""})
    assert response.status_code == 422 and "须填写审核意见" in response.get_data(as_text=True)


@pytest.mark.parametrize("who, status", [
    ("inspector", 200), ("unit_user", 200), ("centre_user", 404), ("xihu_inspector", 404), ("discipline", 404),
])
def test_who_sees_the_finding_page(app, w, sent_finding, signed_in, who, status):
    assert page(signed_in(getattr(w, who)), sent_finding())[0] == status


def test_unsent_finding_is_invisible_to_the_unit(app, w, make_case, make_finding, signed_in):
    finding = make_finding(make_case())
    assert page(signed_in(w.unit_user), finding)[0] == 404
    assert page(signed_in(w.inspector), finding)[0] == 200


def test_page_shows_deadline_days_left_and_provisional(app, w, sent_finding, signed_in):
    finding = sent_finding()
    finding.is_due_provisional = True
    db.session.commit()
    html = page(signed_in(w.unit_user), finding)[1]
    assert finding.due_on.isoformat() in html and "（暂定）" in html and "个工作日" in html


def test_overdue_is_marked(app, w, sent_finding, signed_in):
    finding = sent_finding()
    finding.due_on = beijing_today() - timedelta(days=3)
    db.session.commit()
    html = page(signed_in(w.unit_user), finding)[1]
    assert "逾期" in html


def test_review_queue_late_first_then_oldest(app, w, make_case, sent_finding, signed_in):
    on_time = sent_finding()
    later = sent_finding()
    late = sent_finding()
    late.due_on = beijing_today() - timedelta(days=1)
    db.session.commit()
    for f in (on_time, later, late):
        submit(w, f)
    html = signed_in(w.inspector).get("/inspection/reviews").get_data(as_text=True)
    positions = [html.index(f"/inspection/findings/{f.id}#review") for f in (late, on_time, later)]
    assert positions == sorted(positions) and "逾期提交" in html
    assert "没有等待审核" in signed_in(w.xihu_inspector).get("/inspection/reviews").get_data(as_text=True)
    assert signed_in(w.unit_user).get("/inspection/reviews").status_code == 404


def test_certificate(app, w, sent_finding, signed_in):
    finding = sent_finding()
    assert signed_in(w.inspector).get(f"/inspection/findings/{finding.id}/certificate").status_code == 404
    submission = submit(w, finding)
    review(w, submission, "accept", "整改到位。")
    for who in ("inspector", "unit_user"):
        response = signed_in(getattr(w, who)).get(f"/inspection/findings/{finding.id}/certificate")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "整改验收确认书" in html and "整改到位。" in html
        assert REPORT["measures"] in html and "print-notice.css" in html
    assert signed_in(w.centre_user).get(f"/inspection/findings/{finding.id}/certificate").status_code == 404


def test_case_page_links_each_finding_and_marks_waiting(app, w, sent_finding, signed_in):
    finding = sent_finding()
    submit(w, finding)
    html = signed_in(w.inspector).get(f"/inspection/cases/{finding.case_id}").get_data(as_text=True)
    assert f"/inspection/findings/{finding.id}" in html and "待审核" in html
    html = signed_in(w.unit_user).get(f"/inspection/cases/{finding.case_id}").get_data(as_text=True)
    assert f"/inspection/findings/{finding.id}" in html


def test_a_draft_saved_meanwhile_is_not_overwritten_by_a_page_opened_before_it(app, w, sent_finding, signed_in):
    """Two tabs opened before any draft existed: the second save is a stale edit, not an overwrite."""
    finding = sent_finding()
    client = signed_in(w.unit_user)
    page = client.get(f"/inspection/findings/{finding.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="version"[^>]*value="0"', page)  # the form says: no draft yet
    first = post_report(client, finding, action="save", files=(), version="0", measures="第一个标签页的措施")
    assert first.status_code == 302
    second = post_report(client, finding, action="save", files=(), version="0", measures="第二个标签页的措施")
    assert second.status_code == 422 and "已由他人创建或保存" in second.get_data(as_text=True)
    draft = db.session.scalars(select(RectificationSubmission)).one()
    db.session.refresh(draft)
    assert draft.measures == "第一个标签页的措施"
