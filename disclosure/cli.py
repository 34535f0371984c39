"""``flask --app portal units publish [CODE ...] [--all]`` and ``units withdraw CODE [--reason]``.

An administrator's audited operation from the command line: ``publish`` proposes and approves at
once (the two-person rule is for users; the command line is the administrator's own act).
Exit status 1 with a Chinese message on any error.
"""
from __future__ import annotations

import click
from sqlalchemy import select

from portal.audit.services import acting_as
from portal.cli import cli_actor_name, fail, units_cli
from portal.errors import ServiceError
from portal.extensions import db
from portal.registry import creditcode
from portal.registry.models import Unit

from disclosure import indexing, services
from disclosure.snapshot import unpublishable_reason

DEFAULT_OPINION = "管理员通过命令行公开（已进行保密审查）"
BATCH = 200


def _unit_by_code(code: str) -> Unit:
    normalised = creditcode.normalise(code)
    unit = db.session.execute(select(Unit).where(Unit.code == normalised)).scalar_one_or_none()
    if unit is None:
        fail(f"找不到统一社会信用代码为 {code} 的单位。")
    return unit


def _skip_reason(unit: Unit) -> str | None:
    reason = unpublishable_reason(unit)
    if reason:
        return reason + "已跳过。"
    if services.open_proposal(unit) is not None:
        return f"“{unit.name}”已有待审核的公开申请，已跳过（请先审核或撤回该申请）。"
    if not services.snapshot_changed(unit):
        return f"“{unit.name}”的公开信息与已公开版本相同，已跳过。"
    return None


@units_cli.command("publish")
@click.argument("codes", nargs=-1)
@click.option("--all", "all_changed", is_flag=True, help="公开所有内容有变化的存续、非涉密单位。")
@click.option("--opinion", default=DEFAULT_OPINION, show_default=True, help="保密审查意见。")
def publish(codes: tuple[str, ...], all_changed: bool, opinion: str) -> None:
    """公开单位信息（提交并审核通过，记入审计日志）；涉密或已撤销的单位跳过。"""
    if not codes and not all_changed:
        fail("请给出要公开的单位的统一社会信用代码，或使用 --all 公开所有有变化的单位。")
    if codes and all_changed:
        fail("不能同时给出单位代码和 --all。")
    actor_name = cli_actor_name()
    published = skipped = 0
    with acting_as(actor_name), indexing.deferred_updates():   # one search-index update for the whole run
        if all_changed:
            units = services.changed_units(None)
            with click.progressbar(units, label="公开单位", show_pos=True) as bar:
                for index, unit in enumerate(bar, start=1):
                    services.publish_now(None, unit, opinion, actor_name=actor_name)
                    published += 1
                    if index % BATCH == 0:
                        db.session.commit()
        else:
            units = [_unit_by_code(code) for code in codes]
            for unit in units:
                reason = _skip_reason(unit)
                if reason:
                    click.echo(reason, err=True)
                    skipped += 1
                    continue
                try:
                    services.publish_now(None, unit, opinion, actor_name=actor_name)
                except ServiceError as exc:
                    db.session.rollback()
                    fail(f"公开失败：{exc.message}")
                published += 1
        db.session.commit()
    click.echo(f"已公开 {published} 个单位" + (f"，跳过 {skipped} 个。" if skipped else "。"))


@units_cli.command("withdraw")
@click.argument("code")
@click.option("--reason", default="管理员通过命令行撤回", show_default=True, help="撤回理由。")
def withdraw(code: str, reason: str) -> None:
    """撤回单位的已公开信息（记入审计日志）。"""
    unit = _unit_by_code(code)
    publication = services.current_publication(unit)
    if publication is None:
        fail(f"“{unit.name}”没有已公开的信息，无需撤回。")
    actor_name = cli_actor_name()
    with acting_as(actor_name):
        try:
            services.withdraw(None, publication, reason, actor_name=actor_name)
        except ServiceError as exc:
            db.session.rollback()
            fail(f"撤回失败：{exc.message}")
        db.session.commit()
    click.echo(f"已撤回“{unit.name}”的公开信息（第 {publication.version} 版）。")
