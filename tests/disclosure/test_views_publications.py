"""The internal publication screens over HTTP: who sees which page, propose → review → approve,
errors beside their fields with nothing half-saved, the two-person rule, withdrawal, CSRF.
(Bulk proposals, the lists and the unit page's panel: test_views_publication_lists.py.)"""
from __future__ import annotations

import json
import re

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import STRONG_PASSWORD, TEST_CONFIG
from tests.disclosure.screens import OPINION, audit_events, count_publications, errors_beside, propose, signed_in, text

from disclosure import services


@pytest.fixture()
def as_user(app):
    return lambda user: signed_in(app, user)


@pytest.fixture()
def unit_user(w, make_user):
    return make_user("unituser", role="unit", unit=w.education)

# ---------------------------------------------------------------- who sees which page

PAGES = {
    "list": lambda w, p: "/disclosure/",
    "changed": lambda w, p: "/disclosure/?tab=changed",
    "propose": lambda w, p: f"/disclosure/units/{w.audit_bureau.id}/propose",
    "unit_history": lambda w, p: f"/disclosure/units/{w.audit_bureau.id}/publications",
    "detail": lambda w, p: f"/disclosure/publications/{p.id}",
    "review": lambda w, p: f"/disclosure/publications/{p.id}/review",
    "withdraw": lambda w, p: f"/disclosure/publications/{p.id}/withdraw",
}

# the district admin holds both permissions, but the city's units are outside its write scope
ACCESS = [
    ("proposer", {page: 200 for page in PAGES}),
    ("approver", {page: 200 for page in PAGES}),
    ("both", {page: 200 for page in PAGES}),
    ("inspector", {page: 403 for page in PAGES}),
    ("unit_user", {page: 403 for page in PAGES}),
    ("district", {**{page: 404 for page in PAGES}, "list": 200, "changed": 200}),
]


@pytest.mark.parametrize(("who", "expected"), ACCESS, ids=[a[0] for a in ACCESS])
def test_page_access(w, as_user, unit_user, who, expected):
    w.unit_user = unit_user
    proposal = propose(w, w.audit_bureau)
    client = as_user(getattr(w, who))
    got = {page: client.get(url(w, proposal)).status_code for page, url in PAGES.items()}
    assert got == expected


@pytest.mark.parametrize("who", ["inspector", "unit_user", "district"])
def test_outsiders_cannot_post_anything(w, as_user, unit_user, published, who):
    w.unit_user = unit_user
    live = published(w.education)
    proposal = propose(w, w.audit_bureau)
    client = as_user(getattr(w, who))
    posts = [
        (f"/disclosure/units/{w.info_centre.id}/propose", {"submit": "y"}),
        ("/disclosure/propose", {"unit_ids": [str(w.info_centre.id)], "submit_selected": "y"}),
        (f"/disclosure/publications/{proposal.id}/review", {"opinion": OPINION, "approve": "y"}),
        (f"/disclosure/publications/{proposal.id}/review", {"opinion": OPINION, "reject": "y"}),
        (f"/disclosure/publications/{live.id}/withdraw", {"reason": "理由"}),
    ]
    expected = 404 if who == "district" else 403  # the district admin may publish, but not the city's units
    assert [client.post(url, data=data).status_code for url, data in posts] == [expected] * len(posts)
    # "propose all changed" takes the caller's own changed units only: none of the city's
    all_changed = client.post("/disclosure/propose", data={"submit_all": "y"})
    assert all_changed.status_code == (302 if who == "district" else 403)
    db.session.expire_all()
    assert (proposal.status, live.status) == ("proposed", "published")
    assert services.open_proposal(w.info_centre) is None and services.open_proposal(w.audit_bureau) == proposal


def test_the_nav_item_follows_the_permissions(w, as_user):
    assert "信息公开" in text(as_user(w.approver).get("/workspace"))
    assert "/disclosure/" not in text(as_user(w.inspector).get("/workspace"))


def test_anonymous_visitors_are_sent_to_login(client, w):
    response = client.get("/disclosure/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------- propose → review → approve

def test_propose_review_approve_through_http(w, as_user):
    proposer = as_user(w.proposer)
    preview = text(proposer.get(f"/disclosure/units/{w.audit_bureau.id}/propose"))
    assert "首次公开" in preview and "财政审计处" in preview and "杭州市审计监督中心" in preview
    response = proposer.post(f"/disclosure/units/{w.audit_bureau.id}/propose", data={"submit": "y"})
    assert response.status_code == 302
    publication = services.open_proposal(w.audit_bureau)
    assert response.headers["Location"].endswith(f"/disclosure/publications/{publication.id}")
    detail = text(proposer.get(response.headers["Location"]))
    assert "已提交公开申请" in detail and "待审核" in detail and "负责全市审计监督。" in detail

    approver = as_user(w.approver)
    review = text(approver.get(f"/disclosure/publications/{publication.id}/review"))
    assert "保密审查意见" in review and "<p>负责全市审计监督。</p>" in review  # Markdown rendered
    response = approver.post(f"/disclosure/publications/{publication.id}/review",
                             data={"opinion": OPINION, "approve": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert publication.status == "published" and publication.review_opinion == OPINION
    assert services.latest_published(w.audit_bureau.code) == publication
    [event] = audit_events("publication.approve")
    assert event.actor_name == "approver"
    assert json.loads(event.payload)["details"]["opinion"] == OPINION
    assert "审核通过，已公开" in text(approver.get(response.headers["Location"]))


def test_the_review_page_shows_what_changed_since_the_published_version(w, as_user, published):
    published(w.audit_bureau)
    w.audit_bureau.functions_md = "负责全市审计监督，**新增**经济责任审计。"
    db.session.commit()
    proposal = propose(w, w.audit_bureau)
    page = text(as_user(w.approver).get(f"/disclosure/publications/{proposal.id}/review"))
    diff = re.search(r'<table class="table table-sm align-top diff">.*?</table>', page, re.S).group(0)
    assert diff.count('<th scope="row">') == 1 and "主要职责" in diff
    assert "<p>负责全市审计监督。</p>" in diff and "<strong>新增</strong>" in diff


@pytest.mark.parametrize(
    ("decision", "opinion", "message"),
    [
        ("reject", "", "请填写审核意见（不通过的理由）。"),
        ("reject", "   ", "请填写审核意见（不通过的理由）。"),
        ("approve", "", "请填写保密审查意见。"),
        ("approve", "长" * 2001, "保密审查意见过长（不超过 2000 字）。"),
    ],
)
def test_the_opinion_is_required_and_nothing_is_saved_without_it(w, as_user, decision, opinion, message):
    proposal = propose(w, w.audit_bureau)
    response = as_user(w.approver).post(f"/disclosure/publications/{proposal.id}/review",
                                        data={"opinion": opinion, decision: "y"})
    assert response.status_code == 200
    assert errors_beside(text(response), "opinion") == [message]
    db.session.expire_all()
    assert proposal.status == "proposed" and proposal.reviewed_at is None
    assert audit_events(f"publication.{decision}") == []


def test_reject_with_an_opinion_ends_the_proposal(w, as_user):
    proposal = propose(w, w.audit_bureau)
    response = as_user(w.approver).post(f"/disclosure/publications/{proposal.id}/review",
                                        data={"opinion": "职责表述含内部信息", "reject": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.status == "rejected" and proposal.review_opinion == "职责表述含内部信息"
    assert len(audit_events("publication.reject")) == 1


def test_a_review_without_a_decision_is_refused(w, as_user):
    proposal = propose(w, w.audit_bureau)
    response = as_user(w.approver).post(f"/disclosure/publications/{proposal.id}/review", data={"opinion": OPINION})
    assert "请选择“审核通过并公开”或“审核不通过”" in text(response)
    db.session.expire_all()
    assert proposal.status == "proposed"


def test_two_person_rule_error_is_shown_to_the_proposer(w, as_user):
    client = as_user(w.both)
    client.post(f"/disclosure/units/{w.audit_bureau.id}/propose", data={"submit": "y"})
    proposal = services.open_proposal(w.audit_bureau)
    assert proposal.proposed_by_id == w.both.id
    assert "按双人审核规定" in text(client.get(f"/disclosure/publications/{proposal.id}/review"))
    response = client.post(f"/disclosure/publications/{proposal.id}/review", data={"opinion": OPINION, "approve": "y"})
    assert response.status_code == 403
    assert "保密审查须由提交人以外的人员进行（双人审核）。" in text(response)
    assert 'name="opinion"' in text(response)  # the form is still there, with the opinion typed
    db.session.expire_all()
    assert proposal.status == "proposed" and audit_events("publication.approve") == []


def test_two_person_rule_off_lets_the_proposer_approve(app, w, as_user):
    app.config["DISCLOSURE_TWO_PERSON_RULE"] = False
    client = as_user(w.both)
    client.post(f"/disclosure/units/{w.audit_bureau.id}/propose", data={"submit": "y"})
    proposal = services.open_proposal(w.audit_bureau)
    response = client.post(f"/disclosure/publications/{proposal.id}/review", data={"opinion": OPINION, "approve": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.status == "published"


def test_a_proposer_without_the_approve_permission_sees_no_review_form_and_cannot_approve(w, as_user):
    proposal = propose(w, w.education)
    client = as_user(w.proposer)
    assert 'name="opinion"' not in text(client.get(f"/disclosure/publications/{proposal.id}/review"))
    response = client.post(f"/disclosure/publications/{proposal.id}/review", data={"opinion": OPINION, "approve": "y"})
    assert response.status_code == 403
    db.session.expire_all()
    assert proposal.status == "proposed"


def test_a_decided_proposal_cannot_be_reviewed_again(w, as_user, published):
    publication = published(w.audit_bureau)
    client = as_user(w.approver)
    response = client.get(f"/disclosure/publications/{publication.id}/review")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/publications/{publication.id}")
    response = client.post(f"/disclosure/publications/{publication.id}/review", data={"opinion": "x", "reject": "y"})
    assert response.status_code == 200 and "当前状态（已公开）下不能执行此操作。" in text(response)
    db.session.expire_all()
    assert publication.status == "published"


def test_proposing_a_classified_unit_shows_why_and_saves_nothing(w, as_user):
    w.education.is_classified = True
    db.session.commit()
    client = as_user(w.proposer)
    page = text(client.get(f"/disclosure/units/{w.education.id}/propose"))
    assert "为涉密单位，不能公开" in page and "确认提交公开" not in page
    response = client.post(f"/disclosure/units/{w.education.id}/propose", data={"submit": "y"})
    assert response.status_code == 200 and "为涉密单位，不能公开" in text(response)
    assert count_publications() == 0


@pytest.mark.parametrize(("already", "message"), [("proposed", "“杭州市审计局”已有待审核的公开申请"),
                                                  ("published", "“杭州市审计局”的公开信息与已公开版本相同")])
def test_a_unit_with_nothing_new_to_propose_shows_why(w, as_user, published, already, message):
    propose(w, w.audit_bureau) if already == "proposed" else published(w.audit_bureau)
    client = as_user(w.proposer)
    page = text(client.get(f"/disclosure/units/{w.audit_bureau.id}/propose"))
    assert message in page and "确认提交公开" not in page
    response = client.post(f"/disclosure/units/{w.audit_bureau.id}/propose", data={"submit": "y"})
    assert response.status_code == 200 and text(response).count(message) == 1
    assert count_publications() == 1


def test_the_preview_leaves_out_classified_fields(w, as_user):
    w.audit_bureau.classified_fields = ["departments"]
    db.session.commit()
    page = text(as_user(w.proposer).get(f"/disclosure/units/{w.audit_bureau.id}/propose"))
    assert "财政审计处" not in page and "负责全市审计监督。" in page


# ---------------------------------------------------------------- withdrawal

@pytest.mark.parametrize("who", ["proposer", "approver"])
def test_withdraw_requires_a_reason_then_removes_the_unit(w, as_user, published, who):
    publication = published(w.audit_bureau)
    client = as_user(getattr(w, who))
    url = f"/disclosure/publications/{publication.id}/withdraw"
    assert "撤回理由" in text(client.get(url))
    response = client.post(url, data={"reason": "  "})
    assert response.status_code == 200 and errors_beside(text(response), "reason") == ["请填写撤回理由。"]
    db.session.expire_all()
    assert publication.status == "published" and audit_events("publication.withdraw") == []
    response = client.post(url, data={"reason": "内容有误，需更正"})
    assert response.status_code == 302
    db.session.expire_all()
    assert publication.status == "withdrawn" and publication.withdrawn_by_id == getattr(w, who).id
    assert services.latest_published(w.audit_bureau) is None
    assert [e.actor_name for e in audit_events("publication.withdraw")] == [who]


def test_withdrawing_an_open_proposal_cancels_it(w, as_user):
    proposal = propose(w, w.audit_bureau)
    response = as_user(w.proposer).post(f"/disclosure/publications/{proposal.id}/withdraw", data={"reason": "提交有误"})
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.status == "withdrawn" and services.open_proposal(w.audit_bureau) is None


def test_a_rejected_proposal_cannot_be_withdrawn(w, as_user):
    proposal = propose(w, w.audit_bureau)
    services.reject(w.approver, proposal, "不同意")
    db.session.commit()
    client = as_user(w.approver)
    assert client.get(f"/disclosure/publications/{proposal.id}/withdraw").status_code == 302
    response = client.post(f"/disclosure/publications/{proposal.id}/withdraw", data={"reason": "理由"})
    assert "当前状态（未通过）下不能执行此操作。" in text(response)
    db.session.expire_all()
    assert proposal.status == "rejected"


# ---------------------------------------------------------------- CSRF

@pytest.fixture()
def csrf_client(app, database_url, data_dir):
    """A second app on the same database with CSRF checking on, as in production."""
    csrf_app = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True, "DATABASE_URL": database_url,
                           "DATA_DIR": str(data_dir)})
    yield csrf_app.test_client()
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_forms_need_the_csrf_token(w, csrf_client):
    proposal = propose(w, w.audit_bureau)
    login_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)[1]
    assert csrf_client.post("/login", data={"username": "approver", "password": STRONG_PASSWORD,
                                            "csrf_token": token}).status_code == 302
    url = f"/disclosure/publications/{proposal.id}/review"
    assert csrf_client.post(url, data={"opinion": OPINION, "approve": "y"}).status_code == 400
    db.session.expire_all()
    assert proposal.status == "proposed"
    page = csrf_client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = csrf_client.post(url, data={"opinion": OPINION, "approve": "y", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.status == "published"
