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
