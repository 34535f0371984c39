"""Demo step: the rectification loop in every state, made through the services with the demo users.

Two special-inspection cases of the city office: one for 杭州市市场监督管理局 (user ``shijianju``) and one for
杭州市市场监管综合行政执法队 (user ``zhifadui``). Their findings are walked to each rectification state — to be
rectified (one overdue), a saved draft, a report waiting for review (one submitted on time after its
deadline passed, so not overdue; one submitted late, so overdue), returned, resubmitted, accepted with a
sign-off certificate, waived — and to each extension state (pending, approved, refused).

Idempotent: nothing is made when any rectification report exists.
"""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.accounts import services as accounts
from portal.demo import demo_step
from portal.extensions import db
from portal.registry.models import Unit
from portal.timeutil import beijing_today, utcnow

from inspection.demo import past_due
from inspection.models import RectificationSubmission
from inspection.services import cases, extensions, findings, notices, submissions
from inspection.services.timeline import unit_users

# a one-page PDF (the evidence files of the demo)
PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
BASIS = "《机构编制监督检查工作办法》"
# (violation type, area, description) of each finding, then what happens to it
MARKET = [
    ("over_establishment", "establishment", "行政执法类编制核定 40 名，实有 43 名，超编 3 名。", "pending"),
    ("over_posts", "staffing", "副局长实配 5 名，超核定职数 1 名。", "overdue"),
    ("irregular_department", "organisation", "擅自设立“综合协调科”。", "draft"),
    ("mixed_posts", "establishment", "事业编制人员 2 名长期在机关科室承担行政职能。", "waiting"),
    ("false_report", "mechanisms", "实名制信息少报在编人数 1 名。", "waiting_late"),
    ("duty_failure", "performance", "“三定”规定的网络交易监管职责未有效履行。", "waiting_after_due"),
    ("misused_quota", "establishment", "将所属事业单位编制 2 名调剂用于机关。", "returned"),
    ("disguised_body", "organisation", "以“工作专班”名义常设办事机构。", "resubmitted"),
    ("other", "mechanisms", "未建立编制使用前置审核制度。", "accepted"),
]
TEAM = [
    ("ghost_pay", "staffing", "1 名人员长期不在岗仍领取工资。", "extension_pending"),
    ("unauthorised_body", "functions", "未经批准对外使用“执法支队”名称。", "extension_approved"),
    ("mixed_posts", "establishment", "执法辅助人员占用事业编制岗位。", "extension_refused"),
    ("over_grade", "organisation", "内设机构负责人按副处级配备，超规格。", "waived"),
]
REPORT = {"measures": "已召开党组会研究整改方案，逐项制定措施并明确责任人。",
          "result": "问题已整改到位，相关文件和人员调整材料见佐证材料。"}


def _evidence(name: str = "整改佐证材料.pdf") -> list[FileStorage]:
    return [FileStorage(io.BytesIO(PDF), name)]


def _case(inspector, unit: Unit, title: str, problems: list, today):
    case = cases.create_case(inspector, {
        "source": "special", "unit_id": unit.id, "title": title,
        "description": f"{today.year}年机构编制专项督查发现{unit.name}存在多项问题。",
        "source_ref": f"{today.year}年专项督查第3组", "lead_inspector_id": inspector.id,
        "received_on": today - timedelta(days=40),
    })
    cases.transition(inspector, case, "verifying")
    made = [findings.add_finding(inspector, case, {
        "area": area, "violation_type": violation, "description": f"{unit.name}{text}", "basis": BASIS,
        "severity": "major" if k % 2 else "minor", "responsible_unit_id": unit.id,
    }) for k, (violation, area, text, _state) in enumerate(problems)]
    notice = notices.issue(inspector, case)
    signer = unit_users(unit.id)[0]
    for delivery in notice.deliveries:
        notices.sign(signer, delivery)
    return case, list(zip(made, [p[3] for p in problems]))


def _walk(finding, state: str, unit_user, inspector, approver, today) -> None:
    def submit(name="整改佐证材料.pdf"):
        return submissions.submit(unit_user, finding, dict(REPORT), _evidence(name))

    if state == "overdue":
        past_due(finding, today - timedelta(days=5))  # demo: a deadline already missed
    elif state == "draft":
        submissions.save_draft(unit_user, finding, {"measures": "正在研究撤销“综合协调科”的方案。"}, _evidence("整改方案（草稿）.pdf"))
    elif state == "waiting":
        submit()
    elif state == "waiting_late":
        past_due(finding, today - timedelta(days=3))  # demo: submitted after the deadline: stays overdue
        db.session.flush()  # the service re-reads the finding under a row lock
        submit()
    elif state == "waiting_after_due":
        # demo: submitted on time four days ago; the deadline passed since, the clock is stopped
        submission = submit()
        past_due(finding, today - timedelta(days=2))
        submission.due_on = finding.due_on
        submission.submitted_on = today - timedelta(days=4)
        submission.submitted_at = utcnow() - timedelta(days=4)
    elif state in ("returned", "resubmitted"):
        first = submit("第一轮佐证材料.pdf")
        submissions.review(inspector, first, "return", "佐证材料不完整：请补充人员调整的正式文件。")
        if state == "resubmitted":
            submit("第二轮佐证材料.pdf")
    elif state == "accepted":
        submissions.review(inspector, submit(), "accept", "经查阅佐证材料并现场核实，已整改到位，同意销号。")
    elif state.startswith("extension_"):
        request = extensions.request_extension(unit_user, finding, {
            "requested_due_on": (finding.due_on + timedelta(days=30)).isoformat(),
            "reason": "整改涉及人员调整，须待编委会审议，申请延期 30 天。"})
        if state == "extension_approved":
            extensions.decide_extension(inspector, request, approve=True, comment="同意延期。")
        elif state == "extension_refused":
            extensions.decide_extension(inspector, request, approve=False, comment="该问题可在原期限内整改到位。")
    elif state == "waived":
        findings.request_waiver(inspector, finding, "该问题系机构改革过渡期遗留，已纳入改革方案统筹解决。")
        findings.decide_waiver(approver, finding, approve=True, comment="同意免于整改。")
    db.session.flush()


@demo_step(55, "整改：各整改状态的问题（整改报告、退回、验收、延期）")
def load_rectification(echo) -> None:
    if db.session.execute(select(RectificationSubmission.id).limit(1)).first() is not None:
        echo("  已有整改报告，跳过")
        return
    people = {name: accounts.find_user(name) for name in ("inspector", "shenpi", "shijianju", "zhifadui")}
    if any(user is None for user in people.values()):
        echo("  缺少演示用户，跳过")
        return
    today = beijing_today()
    inspector, approver = people["inspector"], people["shenpi"]
    count = 0
    for unit_name, user, problems, title in (
        ("杭州市市场监督管理局", people["shijianju"], MARKET, "专项督查：市场监管局机构编制问题"),
        ("杭州市市场监管综合行政执法队", people["zhifadui"], TEAM, "专项督查：执法队机构编制问题"),
    ):
        unit = db.session.execute(select(Unit).where(Unit.name == unit_name)).scalar_one()
        _case_made, walked = _case(inspector, unit, title, problems, today)
        for finding, state in walked:
            _walk(finding, state, user, inspector, approver, today)
            count += 1
    echo(f"  整改：{count} 个问题，覆盖待整改、逾期、草稿、待审核（按时/逾期提交）、退回、重新提交、验收销号、免于整改和延期申请")
