"""Case attachments: upload by the case's office, content checks, download rules and its audit, the
case page's panel."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from flask import get_flashed_messages, render_template
from flask_login import login_user
from sqlalchemy import func, select

from portal import files
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.portal.test_files import docx_bytes, exe_bytes, pdf_bytes, png_bytes

from inspection.models import CaseAttachment, CaseEvent
from inspection.services import attachments, cases, findings


def post_file(client, case, data: bytes | None, name: str = "整改报告.pdf", **kwargs):
    payload = {} if data is None else {"file": (io.BytesIO(data), name)}
    return client.post(f"/inspection/cases/{case.id}/attachments", data=payload,
                       content_type="multipart/form-data", **kwargs)


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def case_files(app) -> set[Path]:
    root = Path(app.config["DATA_DIR"]) / "files" / "cases"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture()
def xihu_case(w, make_case):
    return make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区审计局超编问题")


# ---------------------------------------------------------------- upload


def test_inspector_uploads_a_file(app, w, make_case, signed_in):
    case = make_case()
    client = signed_in(w.inspector)
    response = post_file(client, case, pdf_bytes(), "审计报告（2026）.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspection/cases/{case.id}#attachments")
    assert ("success", "已上传附件“审计报告（2026）.pdf”。") in flashes(client)
    attachment = db.session.scalars(select(CaseAttachment)).one()
    assert (attachment.case_id, attachment.original_name, attachment.content_type, attachment.size) == (
        case.id, "审计报告（2026）.pdf", "application/pdf", len(pdf_bytes()))
    assert attachment.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert (attachment.uploaded_by_id, attachment.uploaded_by_name) == (w.inspector.id, "insp")
    assert files.stored_path(attachment.stored_name).read_bytes() == pdf_bytes()
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "attachment")).one()
    assert event.summary == "上传附件：审计报告（2026）.pdf"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment.attachment")).one()
    assert audit.object_id == str(attachment.id)


@pytest.mark.parametrize("data, name, message", [
    (exe_bytes(), "整改报告.pdf", "只能上传 PDF、JPEG、PNG、OFD、DOCX、XLSX 文件"),
    (png_bytes(), "整改报告.pdf", "与文件内容（PNG）不符"),
    (b"", "整改报告.pdf", "空文件"),
    (None, "", "请选择要上传的文件。"),
])
def test_bad_uploads_are_refused_and_nothing_is_kept(app, w, make_case, signed_in, data, name, message):
    case = make_case()
    client = signed_in(w.inspector)
    before = case_files(app)
    response = post_file(client, case, data, name)
    assert response.status_code == 302
    messages = flashes(client)
    assert [c for c, _m in messages] == ["danger"] and message in messages[0][1]
    assert count(CaseAttachment) == 0 and count(CaseEvent, CaseEvent.kind == "attachment") == 0
    assert case_files(app) == before


def test_oversized_file_is_refused(app, w, make_case, signed_in):
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    case = make_case()
    client = signed_in(w.inspector)
    post_file(client, case, pdf_bytes() + b"%" * 200)
    assert "超过大小上限 100 字节" in flashes(client)[0][1]
    assert count(CaseAttachment) == 0


def test_body_beyond_max_content_length_is_a_chinese_message(app, w, make_case, signed_in):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    case = make_case()
    client = signed_in(w.inspector)
    response = post_file(client, case, pdf_bytes() + b"%" * 5000)
    assert response.status_code == 302
    assert "上传的文件过大" in flashes(client)[0][1]
    assert count(CaseAttachment) == 0


def test_body_beyond_max_content_length_with_csrf_on_is_a_413_page(app, w, make_case, signed_in):
    case = make_case()
    client = signed_in(w.inspector)
    app.config.update(MAX_CONTENT_LENGTH=1000, WTF_CSRF_ENABLED=True)
    response = post_file(client, case, pdf_bytes() + b"%" * 5000)
    assert response.status_code == 413
    assert "上传的文件过大" in response.get_data(as_text=True)


def test_hostile_name_is_sanitised_and_same_name_twice_keeps_both(app, w, make_case, signed_in):
    case = make_case()
    client = signed_in(w.inspector)
    post_file(client, case, pdf_bytes(), "../../../secret_key\x00\x1b报告.pdf")
    post_file(client, case, pdf_bytes() + b"%2\n", "../../../secret_key\x00\x1b报告.pdf")
    first, second = db.session.scalars(select(CaseAttachment).order_by(CaseAttachment.id)).all()
    assert first.original_name == second.original_name == "secret_key报告.pdf"
    assert first.stored_name != second.stored_name
    for attachment in (first, second):
        assert attachment.stored_name.startswith("cases/") and ".." not in attachment.stored_name
    assert files.stored_path(first.stored_name).read_bytes() == pdf_bytes()
    assert files.stored_path(second.stored_name).read_bytes() == pdf_bytes() + b"%2\n"


def test_closed_or_dismissed_case_takes_no_attachments(app, w, make_case, signed_in):
    case = make_case()
    cases.transition(w.inspector, case, "dismissed", reason="查无实据。")
    db.session.commit()
    client = signed_in(w.inspector)
    post_file(client, case, pdf_bytes())
    assert "不能再修改" in flashes(client)[0][1]
    assert count(CaseAttachment) == 0


def test_superior_office_reads_but_cannot_upload(app, w, xihu_case, signed_in):
    response = post_file(signed_in(w.inspector), xihu_case, pdf_bytes())
    assert response.status_code == 403
    assert count(CaseAttachment) == 0


@pytest.mark.parametrize("who", ["binjiang_inspector", "unit_user", "discipline"])
def test_outsiders_cannot_upload(app, w, xihu_case, signed_in, who):
    assert post_file(signed_in(getattr(w, who)), xihu_case, pdf_bytes()).status_code == 404


def test_admin_without_cases_manage_cannot_upload(app, w, make_case, signed_in):
    assert post_file(signed_in(w.admin), make_case(), pdf_bytes()).status_code == 403


def test_failed_transaction_removes_the_file(app, w, make_case, monkeypatch):
    case = make_case()

    def broken(*_args, **_kwargs):
        raise RuntimeError("timeline down")

    monkeypatch.setattr(attachments.timeline, "record", broken)
    before = case_files(app)
    from werkzeug.datastructures import FileStorage

    with pytest.raises(RuntimeError):
        attachments.add_attachment(w.inspector, case, FileStorage(io.BytesIO(pdf_bytes()), "报告.pdf"))
    db.session.rollback()
    assert case_files(app) == before
    assert count(CaseAttachment) == 0


# ---------------------------------------------------------------- download


def attach(w, case, data=None, name="审计报告.pdf", actor=None):
    from werkzeug.datastructures import FileStorage

    attachment = attachments.add_attachment(actor or w.inspector, case,
                                            FileStorage(io.BytesIO(data or pdf_bytes()), name))
    db.session.commit()
    return attachment


def fetch(client, attachment_id):
    """GET a download, read it and close it (the file handle goes with the response)."""
    response = client.get(f"/inspection/attachments/{attachment_id}")
    response.get_data()
    response.close()
    return response


def downloads(attachment_id) -> int:
    return count(AuditEvent, AuditEvent.action == "attachment.download", AuditEvent.object_id == str(attachment_id))


def test_staff_download_is_an_attachment_with_nosniff_and_audited(app, w, make_case, signed_in):
    case = make_case()
    attachment = attach(w, case, docx_bytes(), "整改方案.docx")
    client = signed_in(w.inspector2)  # a colleague of the same office
    response = fetch(client, attachment.id)
    assert response.status_code == 200
    assert response.data == docx_bytes()
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%96%B9%E6%A1%88.docx" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    assert downloads(attachment.id) == 1
    fetch(client, attachment.id)
    assert downloads(attachment.id) == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment.download")).first()
    assert event.actor_id == w.inspector2.id


def test_superior_office_may_download_a_subordinate_case_file(app, w, xihu_case, signed_in):
    attachment = attach(w, xihu_case, actor=w.xihu_inspector)
    assert fetch(signed_in(w.inspector), attachment.id).status_code == 200
    assert downloads(attachment.id) == 1


@pytest.mark.parametrize("who", ["binjiang_inspector", "unit_user", "centre_user", "discipline"])
def test_others_get_404_and_nothing_is_audited(app, w, xihu_case, signed_in, who):
    attachment = attach(w, xihu_case, actor=w.xihu_inspector)
    assert fetch(signed_in(getattr(w, who)), attachment.id).status_code == 404
    assert downloads(attachment.id) == 0


def test_unit_user_never_sees_case_files_even_of_a_case_sent_to_it(app, w, make_case, make_finding,
                                                                   issue_notice, signed_in):
    case = make_case()
    make_finding(case)
    issue_notice(case)
    attachment = attach(w, case)
    client = signed_in(w.unit_user)
    assert fetch(client, attachment.id).status_code == 404
    assert fetch(client, attachment.id + 1000).status_code == 404


def test_download_needs_login(app, w, make_case):
    attachment = attach(w, make_case())
    response = fetch(app.test_client(), attachment.id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert downloads(attachment.id) == 0


def test_closed_case_files_can_still_be_downloaded(app, w, make_case, make_finding, issue_notice, signed_in):
    case = make_case()
    finding = make_finding(case)
    attachment = attach(w, case)
    issue_notice(case)
    findings.accept(w.inspector, finding, "已整改。")
    cases.transition(w.inspector, case, "closed")
    db.session.commit()
    assert fetch(signed_in(w.inspector), attachment.id).status_code == 200


def test_lost_file_is_404_not_500(app, w, make_case, signed_in):
    attachment = attach(w, make_case())
    files.stored_path(attachment.stored_name).unlink()
    assert fetch(signed_in(w.inspector), attachment.id).status_code == 404
    assert downloads(attachment.id) == 0


# ---------------------------------------------------------------- the case page's panel


def render_panel(app, user, case) -> str:
    with app.test_request_context(f"/inspection/cases/{case.id}"):
        login_user(user)
        html = render_template("inspection/attachments/_case_panel.html", case=case)
        get_flashed_messages()
        return html


def test_panel_for_the_office_lists_and_offers_upload(app, w, make_case):
    case = make_case()
    attachment = attach(w, case, png_bytes(), "现场照片.png")
    html = render_panel(app, w.inspector2, case)
    assert "现场照片.png" in html and f"/inspection/attachments/{attachment.id}" in html
    assert 'enctype="multipart/form-data"' in html and f"/inspection/cases/{case.id}/attachments" in html
    assert 'name="csrf_token"' in html and "不超过 20 MB" in html
    assert hashlib.sha256(png_bytes()).hexdigest()[:12] in html and "insp" in html


def test_panel_for_a_superior_office_has_no_upload_form(app, w, xihu_case):
    attach(w, xihu_case, actor=w.xihu_inspector)
    html = render_panel(app, w.inspector, xihu_case)
    assert "审计报告.pdf" in html and "multipart/form-data" not in html


def test_panel_is_empty_for_unit_users(app, w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    issue_notice(case)
    attach(w, case)
    assert "审计报告.pdf" not in render_panel(app, w.unit_user, case)
    assert render_panel(app, w.unit_user, case).strip() == ""


def test_panel_of_a_dismissed_case_says_why_there_is_no_form(app, w, make_case):
    case = make_case()
    cases.transition(w.inspector, case, "dismissed", reason="查无实据。")
    db.session.commit()
    html = render_panel(app, w.inspector, case)
    assert "multipart/form-data" not in html and "不能再上传附件" in html


def test_panel_pages_on_the_server(app, w, make_case, monkeypatch):
    monkeypatch.setattr(attachments, "PER_PAGE", 2)
    case = make_case()
    for i in range(5):
        attach(w, case, pdf_bytes() + f"%{i}\n".encode(), f"附件{i}.pdf")
    html = render_panel(app, w.inspector, case)
    assert "附件4.pdf" in html and "附件3.pdf" in html and "附件2.pdf" not in html
    assert "attachments_page=3" in html and "共 5 个附件" in html
