"""Demo step: publish every non-classified demo unit once (idempotent: units with any publication
are left alone)."""
from __future__ import annotations

from sqlalchemy import select

from portal.demo import demo_step
from portal.extensions import db
from portal.registry.models import Unit, UnitStatus

from disclosure import services
from disclosure.models import Publication

ACTOR_NAME = "演示数据"


@demo_step(30, "信息公开：公开非涉密单位")
def publish_demo_units(echo) -> None:
    already = select(Publication.unit_id)
    units = db.session.execute(
        select(Unit).where(Unit.status == UnitStatus.ACTIVE.value, Unit.is_classified.is_(False),
                           Unit.id.not_in(already)).order_by(Unit.code)
    ).scalars().all()
    for unit in units:
        services.publish_now(None, unit, "演示数据：经保密审查，不含涉密内容，同意公开。", actor_name=ACTOR_NAME)
    echo(f"  公开单位：{len(units)} 个")


DEMO_ANNOUNCEMENTS = (
    {
        "title": "机构编制信息公开平台上线试运行",
        "body_md": (
            "为方便公众查询党政机关、事业单位和群团机关的机构编制情况，本平台即日起上线试运行。\n\n"
            "公众无需登录即可：\n\n"
            "- 按名称、简称、统一社会信用代码或职责关键词**查询机构**；\n"
            "- 查看机构的主要职责、内设机构、核定编制和领导职数；\n"
            "- 按地区和主管部门浏览**组织机构**；\n"
            "- 下载开放数据（CSV、JSON）。\n\n"
            "试运行期间如发现信息有误，请拨打 12310 或联系所在地编办。"
        ),
    },
    {
        "title": "关于 12310 机构编制监督举报电话受理范围的说明",
        "body_md": (
            "12310 是全国统一的机构编制监督举报电话，受理以下问题的举报：\n\n"
            "1. 擅自设立机构、超职数配备领导干部；\n"
            "2. 超编进人、“吃空饷”；\n"
            "3. 不执行机构编制管理规定的其他行为。\n\n"
            "按照分级负责的原则，请向管理该机构的编办反映。各级编办的地址、电话和受理时间见“联系我们”。"
        ),
    },
)


@demo_step(40, "信息公开：通知公告")
def create_demo_announcements(echo) -> None:
    from disclosure import announcements
    from disclosure.models import Announcement

    existing = set(db.session.execute(select(Announcement.title)).scalars())
    made = 0
    for data in DEMO_ANNOUNCEMENTS:
        if data["title"] not in existing:
            announcements.create(None, {**data, "is_published": True}, actor_name=ACTOR_NAME)
            made += 1
    echo(f"  通知公告：{made} 条")
