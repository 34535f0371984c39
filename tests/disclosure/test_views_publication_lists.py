"""The publication screens' lists over HTTP: bulk proposals (all or nothing), the tabs in their
order and scope, server-side paging, a unit's publication record and the register unit page's panel."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from tests.disclosure.screens import OPINION, count_publications, propose, signed_in, text

from disclosure import services
from disclosure.models import Publication


@pytest.fixture()
def as_user(app):
    return lambda user: signed_in(app, user)


# ---------------------------------------------------------------- bulk proposals

def test_propose_all_changed_units_in_scope(w, as_user, published):
    published(w.education)  # published and unchanged: left out
    response = as_user(w.proposer).post("/disclosure/propose", data={"submit_all": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("tab=proposed")
    proposed = db.session.execute(select(Publication.unit_id).where(Publication.status == "proposed")).scalars()
    assert set(proposed) == {w.audit_bureau.id, w.info_centre.id}  # not the district's unit


def test_propose_the_ticked_units(w, as_user):
    response = as_user(w.proposer).post("/disclosure/propose", data={
        "unit_ids": [str(w.info_centre.id), str(w.education.id)], "submit_selected": "y"})
    assert response.status_code == 302
    proposed = db.session.execute(select(Publication.unit_id).where(Publication.status == "proposed")).scalars()
    assert set(proposed) == {w.info_centre.id, w.education.id}


@pytest.mark.parametrize(
    ("ids", "status", "message"),
    [
        (lambda w: [], 200, "请选择要公开的单位。"),
        (lambda w: [str(w.education.id), str(w.audit_bureau.id)], 200, "已有待审核的公开申请"),
        (lambda w: [str(w.education.id), str(w.xihu_unit.id)], 404, None),  # outside the write scope
        (lambda w: [str(w.education.id), "abc"], 404, None),
        (lambda w: [str(w.education.id), "99999999999999"], 404, None),
    ],
    ids=["none", "one-already-proposed", "out-of-scope", "not-a-number", "huge"],
)
def test_bulk_proposal_is_all_or_nothing(w, as_user, ids, status, message):
    propose(w, w.audit_bureau)
    response = as_user(w.proposer).post("/disclosure/propose", data={"unit_ids": ids(w), "submit_selected": "y"})
    assert response.status_code == status
    if message:
        assert message in text(response)
    assert count_publications() == 1  # only the earlier proposal


def test_a_refused_unit_is_marked_on_the_changed_list(w, as_user):
    w.info_centre.is_classified = True  # behind the services' back: still on no list, but ticked
    db.session.commit()
    response = as_user(w.proposer).post("/disclosure/propose", data={
        "unit_ids": [str(w.education.id), str(w.info_centre.id)], "submit_selected": "y"})
    page = text(response)
    assert "“杭州市审计局信息中心”为涉密单位，不能公开。" in page
    assert re.search(r'value="%d"\s+id="unit-%d"\s+checked' % (w.education.id, w.education.id), page)
    assert count_publications() == 0


def test_propose_all_with_nothing_changed_says_so(w, as_user, published):
    for unit in (w.audit_bureau, w.info_centre, w.education):
        published(unit)
    client = as_user(w.proposer)
    response = client.post("/disclosure/propose", data={"submit_all": "y"}, follow_redirects=True)
    assert "没有需要提交的单位" in text(response)


# ---------------------------------------------------------------- the lists

def test_waiting_proposals_are_listed_oldest_first(w, as_user):
    for unit in (w.education, w.audit_bureau, w.info_centre):
        propose(w, unit)
    page = text(as_user(w.approver).get("/disclosure/"))
    names = re.findall(r'/publications">([^<]+)</a>', page)
    assert names == ["杭州市教育局", "杭州市审计局", "杭州市审计局信息中心"]
    assert len(re.findall(r'href="/disclosure/publications/\d+/review"', page)) == 3


@pytest.mark.parametrize(
    ("tab", "shown", "hidden"),
    [
        ("published", ["杭州市教育局", OPINION[:10]], ["杭州市审计局信息中心"]),
        ("withdrawn", ["杭州市审计局信息中心", "内容需更正"], ["杭州市教育局"]),
        ("rejected", ["杭州市审计局", "不同意公开"], ["杭州市教育局"]),
        ("changed", ["杭州市审计局信息中心", "杭州市审计局"], ["杭州市西湖区教育局"]),
    ],
)
def test_list_tabs(w, as_user, published, tab, shown, hidden):
    published(w.education)
    services.withdraw(w.approver, published(w.info_centre), "内容需更正")
    services.reject(w.approver, propose(w, w.audit_bureau), "不同意公开")
    db.session.commit()
    page = text(as_user(w.approver).get("/disclosure/", query_string={"tab": tab}))
    table = re.search(r"<table.*?</table>", page, re.S).group(0)
    assert all(s in table for s in shown), table
    assert not any(s in table for s in hidden)


def test_the_district_admin_sees_only_its_own_units(w, as_user):
    propose(w, w.audit_bureau)
    services.propose(w.district, w.xihu_unit)
    db.session.commit()
    page = text(as_user(w.district).get("/disclosure/"))
    assert "杭州市西湖区教育局" in page and "杭州市审计局" not in page
    changed = text(as_user(w.district).get("/disclosure/?tab=changed"))
    assert "杭州市教育局" not in changed


@pytest.mark.parametrize("tab", ["proposed", "changed"])
def test_lists_are_paged_on_the_server(app, w, as_user, make_unit, tab):
    app.config["PER_PAGE"] = 2
    extra = [make_unit(f"杭州市第{i}局") for i in range(3)]
    if tab == "proposed":
        for unit in [w.education, *extra]:
            propose(w, unit)
    client = as_user(w.proposer)
    first = text(client.get("/disclosure/", query_string={"tab": tab}))
    last = text(client.get("/disclosure/", query_string={"tab": tab, "page": 2 if tab == "proposed" else 3}))
    assert 'class="pagination' in first and "下一页" in first
    rows = lambda page: len(re.findall(r"<tr>", re.search(r"<tbody>.*?</tbody>", page, re.S).group(0)))  # noqa: E731
    assert rows(first) == 2 and rows(last) in (1, 2)
    beyond = client.get("/disclosure/", query_string={"tab": tab, "page": 99})
    assert beyond.status_code == 200 and "没有" in text(beyond)


@pytest.mark.parametrize("params", [{"tab": "nonsense"}, {"page": "0"}, {"page": "abc"}, {"page": "-3"}])
def test_bad_list_parameters_give_a_sensible_page(w, as_user, params):
    assert as_user(w.approver).get("/disclosure/", query_string=params).status_code == 200


# ---------------------------------------------------------------- the unit's record and the register's unit page

def test_unit_history_lists_every_version_with_who_and_why(w, as_user, published):
    first = published(w.audit_bureau)
    services.withdraw(w.proposer, first, "内容有误")
    services.reject(w.approver, propose(w, w.audit_bureau), "职责表述不准确")
    propose(w, w.audit_bureau)
    db.session.commit()
    page = text(as_user(w.approver).get(f"/disclosure/units/{w.audit_bureau.id}/publications"))
    assert re.findall(r'/publications/\d+">v(\d+)</a>', page) == ["3", "2", "1"]
    for fragment in ("待审核", "未通过", "已撤回", OPINION, "内容有误", "职责表述不准确", "proposer", "approver"):
        assert fragment in page


@pytest.mark.parametrize(
    ("who", "state", "links"),
    [
        ("proposer", "已公开", ["/withdraw", "/publications\""]),
        ("approver", "已公开", ["/withdraw"]),
        ("inspector", None, []),
    ],
)
def test_the_register_unit_page_shows_the_publication_state(w, as_user, published, who, state, links):
    published(w.audit_bureau)
    page = text(as_user(getattr(w, who)).get(f"/registry/units/{w.audit_bureau.id}"))
    panel = re.search(r'<section class="card mb-3 publication-state".*?</section>', page, re.S)
    if state is None:
        assert panel is None
        return
    assert state in panel.group(0) and "v1" in panel.group(0)
    assert all(link in panel.group(0) for link in links)


def test_the_unit_page_offers_review_of_an_open_proposal_and_proposal_of_changes(w, as_user, published):
    published(w.audit_bureau)
    w.audit_bureau.short_name = "审计局"
    db.session.commit()
    panel = lambda client: re.search(  # noqa: E731
        r'publication-state".*?</section>', text(client.get(f"/registry/units/{w.audit_bureau.id}")), re.S).group(0)
    assert "台账有修改尚未公开" in panel(as_user(w.proposer)) and "/propose" in panel(as_user(w.proposer))
    proposal = propose(w, w.audit_bureau)
    assert f"/publications/{proposal.id}/review" in panel(as_user(w.approver))
    assert "/review" not in panel(as_user(w.proposer))  # no approve permission
