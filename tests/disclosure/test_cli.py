"""``units publish`` / ``units withdraw`` from the command line, and the demo step."""
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db

from disclosure import services
from disclosure.models import Publication


def test_publish_codes_proposes_and_approves_as_the_administrator(w, runner):
    result = runner.invoke(args=["units", "publish", w.audit_bureau.code, w.education.code.lower()])
    assert result.exit_code == 0, result.output
    assert "已公开 2 个单位" in result.output
    publication = services.latest_published(w.audit_bureau)
    assert publication.proposed_by_name.startswith("命令行:") and publication.review_opinion
    actors = set(db.session.scalars(select(AuditEvent.actor_name).where(AuditEvent.object_type == "publication")))
    assert len(actors) == 1 and actors.pop().startswith("命令行:")


def test_publish_skips_classified_abolished_and_unchanged_units(w, runner, published):
    published(w.audit_bureau)
    w.education.is_classified = True
    db.session.commit()
    result = runner.invoke(args=["units", "publish", w.audit_bureau.code, w.education.code, w.xihu_unit.code])
    assert result.exit_code == 0, result.output
    assert "涉密单位" in result.output and "相同" in result.output
    assert "已公开 1 个单位，跳过 2 个" in result.output
    assert services.latest_published(w.education) is None


def test_publish_all_takes_every_changed_unit(w, runner, published):
    published(w.audit_bureau)
    w.info_centre.is_classified = True
    db.session.commit()
    result = runner.invoke(args=["units", "publish", "--all"])
    assert result.exit_code == 0, result.output
    assert "已公开 2 个单位" in result.output  # education and the district's unit
    assert services.latest_published(w.xihu_unit) is not None and services.latest_published(w.info_centre) is None
    again = runner.invoke(args=["units", "publish", "--all"])
    assert "已公开 0 个单位" in again.output


def test_publish_errors_exit_1_in_chinese(w, runner):
    for args, message in [
        (["units", "publish"], "请给出"),
        (["units", "publish", "--all", w.education.code], "不能同时"),
        (["units", "publish", "91330100MA00000000"], "找不到"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert db.session.scalar(select(func.count(Publication.id))) == 0


def test_withdraw_from_the_command_line(w, runner, published):
    publication = published(w.audit_bureau)
    result = runner.invoke(args=["units", "withdraw", w.audit_bureau.code, "--reason", "信息有误"])
    assert result.exit_code == 0, result.output
    db.session.refresh(publication)
    assert publication.status == "withdrawn" and publication.withdraw_reason == "信息有误"
    assert publication.withdrawn_by_name.startswith("命令行:")
    result = runner.invoke(args=["units", "withdraw", w.audit_bureau.code])
    assert result.exit_code == 1 and "没有已公开的信息" in result.output
    assert runner.invoke(args=["units", "withdraw", "nonsense"]).exit_code == 1


def test_demo_step_publishes_every_non_classified_unit_once(w):
    from disclosure.demo import publish_demo_units

    w.education.is_classified = True
    db.session.commit()
    lines = []
    publish_demo_units(lines.append)
    publish_demo_units(lines.append)
    assert lines[-1].strip() == "公开单位：0 个"
    published = {p.unit_id for p in db.session.scalars(select(Publication))}
    assert published == {w.audit_bureau.id, w.info_centre.id, w.xihu_unit.id}
