"""The report API: multipart submit (and draft), the rounds, review with 403/404/409, evidence download —
the loop once through the API, bad input answered with the portal's error body and nothing stored."""
from __future__ import annotations

import io

import pytest

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.inspection.api_support import auth, error_of

from inspection.models import Finding, RectificationSubmission
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

API = "/api/v1"


def post_submission(client, finding, user, files=(("整改报告.pdf", None),), **fields):
    data = {**REPORT, **fields}
    data["files"] = [(io.BytesIO(pdf_bytes() if body is None else body), name) for name, body in files]
    return client.post(f"{API}/findings/{finding.id}/submissions", data=data, content_type="multipart/form-data",
                       headers=auth(user))


def post_review(client, submission, user, body):
    return client.post(f"{API}/submissions/{submission.id}/review", json=body, headers=auth(user))


def test_loop_through_the_api(app, client, w, sent_finding):
    finding = sent_finding()
    response = post_submission(client, finding, w.unit_user, files=(("a.pdf", None), ("照片.png", png_bytes())))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["round"] == 1 and body["status"]["code"] == "submitted" and body["is_on_time"] is True
    assert [e["name"] for e in body["evidence"]] == ["a.pdf", "照片.png"]
    assert body["finding_status"]["code"] == "submitted"

    response = post_review(client, db.session.get(RectificationSubmission, body["id"]), w.inspector,
                           {"decision": "return", "comment": "请补充。"})
    assert response.status_code == 200 and response.get_json()["status"]["code"] == "returned"
    assert response.get_json()["returned_due_on"]

    draft = post_submission(client, finding, w.unit_user, draft="true", measures="草稿", files=())
    assert draft.status_code == 201 and draft.get_json()["status"]["code"] == "draft"
    listing = client.get(f"{API}/findings/{finding.id}/submissions", headers=auth(w.unit_user)).get_json()
    assert [i["status"]["code"] for i in listing["items"]] == ["returned", "draft"] and listing["may_submit"]
    staff_listing = client.get(f"{API}/findings/{finding.id}/submissions", headers=auth(w.inspector)).get_json()
    assert [i["round"] for i in staff_listing["items"]] == [1] and staff_listing["may_submit"] is False

    second = post_submission(client, finding, w.unit_user)
    assert second.status_code == 201 and second.get_json()["round"] == 2
    response = post_review(client, db.session.get(RectificationSubmission, second.get_json()["id"]), w.inspector,
                           {"decision": "accept"})
    assert response.status_code == 200 and response.get_json()["finding_status"]["code"] == "accepted"
    response = client.post(f"{API}/cases/{finding.case_id}/transitions", json={"to": "closed"},
                           headers=auth(w.inspector))
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("files, field_text", [
    ((("整改报告.pdf", exe_bytes()),), "只能上传"),
    ((("整改报告.pdf", png_bytes()),), "不符"),
    ((("整改报告.pdf", b""),), "空文件"),
    ((("../x.pdf", None),), "文件名不能包含路径或控制字符"),
    ((), "请至少上传一份佐证材料"),
])
def test_bad_files_are_422_and_nothing_stored(app, client, w, sent_finding, files, field_text):
    finding = sent_finding()
    before = stored_files(app)
    error = error_of(post_submission(client, finding, w.unit_user, files=files), 422, "invalid")
    assert field_text in error["fields"]["files"]
    assert nothing_stored(app, before) and count(RectificationSubmission) == 0
    assert db.session.get(Finding, finding.id).rectification_status == "pending"


def test_missing_text_is_422(app, client, w, sent_finding):
    error = error_of(post_submission(client, sent_finding(), w.unit_user, measures=""), 422, "invalid")
    assert set(error["fields"]) == {"measures"}


def test_not_multipart_is_400(app, client, w, sent_finding):
    finding = sent_finding()
    response = client.post(f"{API}/findings/{finding.id}/submissions", json=REPORT, headers=auth(w.unit_user))
    error_of(response, 400, "bad_request")


def test_oversized_is_422(app, client, w, sent_finding):
    app.config["EVIDENCE_MAX_BYTES"] = 100
    error = error_of(post_submission(client, sent_finding(), w.unit_user, files=(("a.pdf", pdf_bytes() + b"%" * 200),)),
                     422, "invalid")
    assert "超过大小上限" in error["fields"]["files"]


def test_other_units_finding_is_404_and_staff_403(app, client, w, sent_finding):
    finding = sent_finding()
    error_of(post_submission(client, finding, w.centre_user), 404, "not_found")
    error_of(post_submission(client, finding, w.inspector), 403, "forbidden")
    error_of(client.get(f"{API}/findings/{finding.id}/submissions", headers=auth(w.centre_user)), 404, "not_found")
    assert count(RectificationSubmission) == 0


@pytest.mark.parametrize("who, status, code", [
    ("unit_user", 403, "forbidden"), ("centre_user", 404, "not_found"), ("xihu_inspector", 404, "not_found"),
])
def test_review_by_others(app, client, w, sent_finding, who, status, code):
    submission = submit(w, sent_finding())
    error_of(post_review(client, submission, getattr(w, who), {"decision": "accept"}), status, code)
    db.session.expire_all()
    assert db.session.get(RectificationSubmission, submission.id).status == "submitted"


def test_second_review_is_409(app, client, w, sent_finding):
    submission = submit(w, sent_finding())
    assert post_review(client, submission, w.inspector, {"decision": "accept"}).status_code == 200
    error = error_of(post_review(client, submission, w.inspector2, {"decision": "return", "comment": "x"}), 409,
                     "conflict")
    assert "不能重复审核" in error["message"]


def test_stale_review_is_409(app, client, w, sent_finding):
    submission = submit(w, sent_finding())
    error_of(post_review(client, submission, w.inspector, {"decision": "accept", "version": 1}), 409, "conflict")


@pytest.mark.parametrize("body, field", [
    ({"decision": "maybe"}, "decision"), ({"decision": "return"}, "comment"), ({}, "decision"),
    ({"decision": "accept", "extra": 1}, "extra"), ({"decision": 5}, "decision"),
])
def test_bad_review_bodies_are_422(app, client, w, sent_finding, body, field):
    submission = submit(w, sent_finding())
    assert field in error_of(post_review(client, submission, w.inspector, body), 422, "invalid")["fields"]


def test_review_body_not_json_is_400(app, client, w, sent_finding):
    submission = submit(w, sent_finding())
    response = client.post(f"{API}/submissions/{submission.id}/review", data="x", headers=auth(w.inspector))
    error_of(response, 400, "bad_request")


def test_evidence_download_through_the_api(app, client, w, sent_finding):
    submission = submit(w, sent_finding())
    file = submission.evidence[0]
    response = client.get(f"{API}/evidence/{file.id}", headers=auth(w.inspector))
    assert response.status_code == 200 and response.data == pdf_bytes()
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    error_of(client.get(f"{API}/evidence/{file.id}", headers=auth(w.centre_user)), 404, "not_found")
    assert count(AuditEvent, AuditEvent.action == "evidence.download") == 1
    assert client.get(f"{API}/evidence/{file.id}").status_code == 401


def test_openapi_documents_the_routes(app, client):
    spec = client.get(f"{API}/openapi.json").get_json()
    post = spec["paths"]["/api/v1/findings/{finding_id}/submissions"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert "409" in spec["paths"]["/api/v1/submissions/{submission_id}/review"]["post"]["responses"]
    assert "/api/v1/evidence/{evidence_id}" in spec["paths"]


def test_a_unit_never_learns_which_staff_member_reviewed(app, client, w, sent_finding):
    finding = sent_finding()
    submission = submit(w, finding)
    review(w, submission, "return", "请补充材料。")
    for_unit = client.get(f"/api/v1/findings/{finding.id}/submissions", headers=auth(w.unit_user)).get_json()
    for_staff = client.get(f"/api/v1/findings/{finding.id}/submissions", headers=auth(w.inspector)).get_json()
    rows_unit = for_unit["items"] if isinstance(for_unit, dict) else for_unit
    rows_staff = for_staff["items"] if isinstance(for_staff, dict) else for_staff
    assert rows_unit[0]["reviewed_by"] is None and rows_unit[0]["review_comment"] == "请补充材料。"
    assert rows_staff[0]["reviewed_by"]["username"] == w.inspector.username
    assert w.inspector.username not in str(for_unit)
