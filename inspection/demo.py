"""Demo step: supervision cases from every source in every state, made through the services with the
demo users as actors, so the timeline, audit trail, notices and notifications are real.

Idempotent: nothing is made when any case exists. It adds, when missing, an approver (cases.approve) for
the city office and a user for the city market-supervision enforcement team (a second unit that
receives its own part of a notice); their passwords follow the accounts step's and are printed.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import UserPermission
from portal.audit import services as audit
from portal.demo import demo_step
from portal.extensions import db
from portal.registry.jurisdiction import root_office
from portal.registry.models import Office, Unit
from portal.timeutil import beijing_today

from inspection.models import Case, CaseSource, CaseStatus
from inspection.services import cases, findings, instructions, notices
from inspection.services.timeline import unit_users

ACTOR_NAME = "演示数据"
# username, display name, role, binding (office region or unit name), password, extra permission
EXTRA_USERS = [
    ("shenpi", "陈科长（市编办，审批督查事项）", "inspector", ("office", None), "Ducha#2026ok", "cases.approve"),
    ("zhifadui", "市监执法队联络员", "unit", ("unit", "杭州市市场监管综合行政执法队"), "Zhenggai#2026ok", None),
]
DISTRICT_INSPECTORS = {"330102": "shangcheng", "330105": "gongshu", "330106": "xihu"}

SOURCES = {  # how a case of each source is titled, and its source reference
    "assessment": ("机构编制管理评估", "评估〔{y}〕{n}号"),
    "audit": ("审计移交", "杭审移〔{y}〕{n}号"),
    "inspection": ("市委巡察反馈", "{y}年市委第{n}轮巡察"),
    "hotline": ("12310举报", "举报〔{y}〕{n}号"),
    "special": ("超编进人专项督查", "{y}年专项督查第{n}组"),
    "routine": ("实名制数据比对", "实名制比对〔{y}〕{n}号"),
    "self_check": ("单位自查报告", "自查〔{y}〕{n}号"),
    "transfer": ("市人社局移送", "杭人社移〔{y}〕{n}号"),
}
BASIS = ("《机构编制监督检查工作办法》", "《地方各级人民政府机构设置和编制管理条例》第十五条",
         "《事业单位机构编制管理办法》", "《关于进一步加强机构编制实名制管理工作的通知》")
PROBLEMS = [  # violation type, indicator area, title words, description
    ("over_establishment", "establishment", "超编进人", "经比对实名制系统与工资统发名单，在编人数超过核定编制。"),
    ("over_posts", "staffing", "超职数配备领导干部", "副职领导实配超过核定职数 1 名。"),
    ("irregular_department", "organisation", "违规设置内设机构", "未经批准设立“综合协调科”“项目推进科”2 个内设机构。"),
    ("disguised_body", "organisation", "变相增设机构", "以“工作专班”名义常设办事机构并对外挂牌办公。"),
    ("mixed_posts", "establishment", "混编混岗", "事业编制人员长期在机关科室承担行政职能。"),
    ("misused_quota", "establishment", "挤占挪用编制", "将下属事业单位编制调剂用于机关，挤占事业编制 3 名。"),
    ("ghost_pay", "staffing", "吃空饷", "有 2 名人员长期不在岗仍领取工资。"),
    ("false_report", "mechanisms", "虚报瞒报", "报送的实名制信息与实际不符，少报在编人数 2 名。"),
    ("duty_failure", "performance", "职责履行不到位", "“三定”规定明确的行业监管职责未有效履行。"),
    ("unauthorised_body", "functions", "擅自变更机构名称", "未经批准对外使用“发展中心”名称。"),
]
# the third is the market-supervision bureau: its (demo-user) staff get a case under rectification
CITY_UNITS = ["杭州市人力资源和社会保障局", "杭州市人民政府办公厅", "杭州市市场监督管理局", "杭州市应急管理局",
              "杭州市信访局", "杭州市公共资源交易中心", "杭州市第一人民医院", "杭州市审计局", "杭州市教育局"]
DISTRICT_UNITS = ["杭州市{d}市场监督管理局", "杭州市{d}人民政府办公室", "杭州市{d}财政局"]
SUB_UNITS = {"杭州市市场监督管理局": "杭州市市场监管综合行政执法队"}  # a second responsible unit
DISMISS_REASON = "经调查核实，反映的问题查无实据（实名制数据与工资统发名单一致），不予立案。"
REOPEN_REASON = "收到实名举报补充材料，反映仍有人员在编不在岗，重新调查核实。"


def _ensure_users(echo) -> None:
    for username, display_name, role, (kind, key), password, permission in EXTRA_USERS:
        if accounts.find_user(username) is not None:
            echo(f"  已存在  {username:<11} 密码 {password:<20} {display_name}")
            continue
        binding = {"office_id": root_office().id} if kind == "office" else {
            "unit_id": db.session.execute(select(Unit.id).where(Unit.name == key)).scalar_one()}
        user = accounts.create_user(None, {"username": username, "display_name": display_name, "role": role,
                                           "password": password, **binding}, actor_name=ACTOR_NAME)
        if permission:
            user.permission_overrides.append(UserPermission(permission=permission, is_granted=True))
            db.session.flush()
            audit.record("user.permission", "user", user.id, changes={permission: ["default", "granted"]},
                         details={"effective": True}, actor=None, actor_name=ACTOR_NAME)
        echo(f"  已创建  {username:<11} 密码 {password:<20} {display_name}")


def past_due(finding, day) -> None:
    """Demo only: give a sent finding a deadline that has already passed (a date, as if set by hand)."""
    finding.due_on, finding.is_due_provisional = day, False
    finding.due_counted_from_on = finding.due_working_days = None


class _Builder:
    """Makes one case and walks it to its state; ``k`` varies units, problems and dates."""

    def __init__(self, today):
        self.today = today

    def unit(self, name: str) -> Unit:
        return db.session.execute(select(Unit).where(Unit.name == name)).scalar_one()

    def open(self, k: int, source: str, office: Office, lead, unit: Unit, team=()) -> Case:
        label, ref = SOURCES[source]
        words = PROBLEMS[k % len(PROBLEMS)][2]
        return cases.create_case(lead, {
            "source": source, "unit_id": unit.id, "title": f"{label}：{unit.short_name or unit.name}{words}问题",
            "description": f"{label}反映{unit.name}可能存在{words}等问题，需调查核实。",
            "source_ref": ref.format(y=self.today.year, n=k % 9 + 1), "lead_inspector_id": lead.id,
            "team_ids": [u.id for u in team], "received_on": self.today - timedelta(days=5 + 2 * k),
        })

    def add_findings(self, k: int, case: Case, lead, *, how_many: int = 2) -> list:
        made = []
        for i in range(how_many):
            violation, area, _words, text = PROBLEMS[(k + 3 * i) % len(PROBLEMS)]
            responsible = case.unit
            if i == 1 and case.unit.name in SUB_UNITS:
                responsible = self.unit(SUB_UNITS[case.unit.name])
            made.append(findings.add_finding(lead, case, {
                "area": area, "violation_type": violation, "description": f"{responsible.name}{text}",
                "basis": BASIS[(k + i) % len(BASIS)], "severity": ("minor", "major", "serious")[(k + i) % 3],
                "responsible_unit_id": responsible.id,
            }))
        return made

    def sign_all(self, notice) -> None:
        for delivery in notice.deliveries:
            signers = unit_users(delivery.unit_id)
            if signers and not delivery.is_signed:
                notices.sign(signers[0], delivery)

    def build(self, k: int, source: str, state: str, office: Office, lead, unit: Unit, approver) -> Case:
        team = [approver] if approver is not None and k % 2 else []
        case = self.open(k, source, office, lead, unit, team)
        if state == "registered" or (state == "dismissed" and k % 2):
            if state == "dismissed":
                cases.transition(lead, case, "dismissed", reason=DISMISS_REASON)
            return case
        cases.transition(lead, case, "verifying")
        made = self.add_findings(k, case, lead, how_many=1 if state == "dismissed" else 2)
        if k % 3 == 0:
            cases.add_note(lead, case, "已与被督查单位人事科电话核实，对方承认情况基本属实。")
        if state in ("verifying", "dismissed"):
            if state == "dismissed":
                cases.transition(lead, case, "dismissed", reason=DISMISS_REASON)
            return case
        notice = notices.issue(lead, case)
        if state == "rectifying":
            if k % 2 == 0:
                self.sign_all(notice)
                past_due(made[0], self.today - timedelta(days=3 + k % 7))  # demo: a deadline already missed
            return case
        self.sign_all(notice)
        findings.accept(lead, made[0], "经现场核查和查阅人员花名册，已整改到位，同意销号。")
        if approver is not None:
            findings.request_waiver(lead, made[1], "该问题系机构改革过渡期遗留，已纳入改革方案统筹解决。")
            findings.decide_waiver(approver, made[1], approve=True, comment="同意免于整改。")
        else:
            findings.accept(lead, made[1], "单位已报送整改报告和佐证材料，核实无误，同意销号。")
        cases.transition(lead, case, "closed")
        return case


@demo_step(50, "督查事项：各来源、各状态的演示案件")
def load_cases(echo) -> None:
    _ensure_users(echo)
    if db.session.execute(select(Case.id).limit(1)).first() is not None:
        echo("  已有督查事项，跳过")
        return
    people = {name: accounts.find_user(name) for name in ("inspector", "shenpi", "shijianju",
                                                          *DISTRICT_INSPECTORS.values())}
    missing = [name for name, user in people.items() if user is None]
    if missing:
        echo(f"  缺少演示用户 {'、'.join(missing)}，跳过")
        return
    today = beijing_today()
    city = root_office()
    districts = [db.session.execute(select(Office).where(Office.region_code == region)).scalar_one()
                 for region in DISTRICT_INSPECTORS]
    builder = _Builder(today)
    made: list[Case] = []
    for k, (source, state) in enumerate((s.value, t.value) for s in CaseSource for t in CaseStatus):
        if k % 4 == 3:  # about a quarter of the cases are a district's (the city reads them only)
            office = districts[(k // 4) % len(districts)]
            lead = people[DISTRICT_INSPECTORS[office.region_code]]
            district_name = office.name.removeprefix("杭州市").removesuffix("机构编制委员会办公室")
            unit = builder.unit(DISTRICT_UNITS[k % len(DISTRICT_UNITS)].format(d=district_name))
            approver = None
        else:
            office, lead, approver = city, people["inspector"], people["shenpi"]
            unit = builder.unit(CITY_UNITS[k % len(CITY_UNITS)])
        made.append(builder.build(k, source, state, office, lead, unit, approver))
    reopened = builder.build(len(made), "hotline", "closed", city, people["inspector"],
                             builder.unit("杭州市市场监督管理局"), people["shenpi"])
    cases.transition(people["shenpi"], reopened, "verifying", reason=REOPEN_REASON)
    made.append(reopened)
    _supplementary(made, people["inspector"])
    _instructions(made, people["inspector"], today)
    echo(f"  督查事项：{len(made)} 件（{len(CaseSource)} 种来源 × {len(CaseStatus)} 种状态，另有 1 件重新启用）")


def _supplementary(made: list[Case], inspector) -> None:
    """A finding recorded after the first notice goes out on a supplementary notice."""
    case = next(c for c in made if c.status == "rectifying" and c.lead_inspector_id == inspector.id)
    findings.add_finding(inspector, case, {
        "area": "mechanisms", "violation_type": "other", "description": "未建立编制使用前置审核制度。",
        "basis": BASIS[0], "severity": "minor",
    })
    notices.issue(inspector, case, requirements="请一并整改补充发现的问题，并在原整改报告中说明。")


def _instructions(made: list[Case], inspector, today) -> None:
    """The city presses two district cases: one 督办 open and overdue, one 催办 answered."""
    district = [c for c in made if c.office_id != inspector.office_id and c.status in ("verifying", "rectifying")]
    open_one = instructions.issue_instruction(inspector, district[0], {
        "kind": "supervise", "text": "请加快调查核实进度，于期限内报告整改落实情况。",
        "due_on": today + timedelta(days=10)})
    open_one.due_on = today - timedelta(days=2)  # demo: its deadline has passed without an answer
    others = [c for c in district[1:] if c.office_id != district[0].office_id] or district[1:]
    answered_case = others[0]
    answered = instructions.issue_instruction(inspector, answered_case, {
        "kind": "urge", "text": "请报告该事项的办理进展。", "due_on": today + timedelta(days=5)})
    lead = answered_case.lead_inspector
    instructions.answer_instruction(lead, answered, "已完成调查核实，问题属实，正在起草整改通知。")
    db.session.flush()
